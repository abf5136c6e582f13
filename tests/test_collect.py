"""`python -m autograder collect`: zips and LMS downloads become nbgrader's submitted/ layout."""

import zipfile

from autograder.collect import collect


def test_zips_and_lms_files_are_laid_out_and_the_rest_reported(tmp_path):
    """Do a zip per student and `<student>_<anything>.ipynb` files land in submitted/, with
    unusable files reported and the originals kept?"""
    sources, out = tmp_path / "downloads", tmp_path / "submitted"
    sources.mkdir()
    with zipfile.ZipFile(sources / "alice.zip", "w") as zf:
        zf.writestr("../../escape/01_tensors.ipynb", "{}")
    (sources / "bob_attempt_2_late.ipynb").write_text("{}")
    (sources / "broken.zip").write_bytes(b"not a zip")
    (sources / "readme.txt").write_text("hi")
    problems = collect(sources=sources, out=out, lesson="01_tensors")
    assert (out / "alice" / "01_tensors" / "01_tensors.ipynb").exists()
    assert (out / "bob" / "01_tensors" / "01_tensors.ipynb").exists()
    assert not (tmp_path / "escape").exists()
    assert [p.split(":")[0] for p in problems] == ["broken.zip", "readme.txt"]
    assert (sources / "bob_attempt_2_late.ipynb").exists()


def test_only_lessons_someone_submitted_are_reported_missing(tmp_path):
    """Is a student reported for a lesson others handed in, but not for lessons nobody did?"""
    from autograder.grade import find_submissions

    for student in ("ann", "bob"):
        (tmp_path / student).mkdir()
    (tmp_path / "ann" / "01_tensors").mkdir()
    (tmp_path / "ann" / "01_tensors" / "01_tensors.ipynb").write_text("{}")
    _, problems = find_submissions(tmp_path, ["01_tensors", "02_autograd"])
    assert problems == ["bob: no submission for lesson 01_tensors"]


def test_symlinked_folders_are_not_followed(tmp_path):
    """Is a student folder or lesson folder that is a symbolic link refused, never read?"""
    from autograder.grade import find_submissions

    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "01_tensors").mkdir(parents=True)
    (elsewhere / "01_tensors" / "01_tensors.ipynb").write_text("{}")
    submitted = tmp_path / "submitted"
    (submitted / "ann").mkdir(parents=True)
    (submitted / "ann" / "01_tensors").symlink_to(elsewhere / "01_tensors")
    (submitted / "bob").symlink_to(elsewhere)
    found, problems = find_submissions(submitted, ["01_tensors"])
    assert found == []
    assert problems == [
        "bob: a symbolic link, not a student folder (not followed)",
        "ann: 01_tensors is a symbolic link (not followed)",
    ]

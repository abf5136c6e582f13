"""Does the package say what it needs? pyproject.toml (pip users) and environment.yml (conda users)
ask for the same packages, the installed ones honour those ranges, every package the course imports
is declared, and the installed torch behaves the way the lessons rely on."""

import ast
import importlib.metadata
import json
import re
import sys
import tomllib
import warnings

import pytest
import torch
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

# conda-forge names that differ from the PyPI names
CONDA_TO_PYPI = {"pytorch": "torch"}
NOT_PYTHON_PACKAGES = {"python", "pip"}
# modules of this checkout itself, not packages to install
FIRST_PARTY = {
    "course", "autograder", "conftest", "browser_helpers", "guard", "runner", "leaks",
    "tiny_lesson",
}  # fmt: skip
IMPORT = re.compile(r"^\s*(?:import|from)\s+([A-Za-z_]\w*)", re.MULTILINE)


def declared(root) -> list[Requirement]:
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["test"]
    return [Requirement(r) for r in wanted]


def pyproject_requirements(root) -> dict[str, str]:
    return {req.name: str(req.specifier) for req in declared(root)}


def conda_requirements(root) -> dict[str, str]:
    env = yaml.safe_load((root / "environment.yml").read_text())
    found = {}
    for entry in env["dependencies"]:
        if isinstance(entry, str):
            req = Requirement(entry)  # conda's "name>=x,<y" reads as a PEP 508 requirement
            name = CONDA_TO_PYPI.get(req.name, req.name)
            if name not in NOT_PYTHON_PACKAGES:
                found[name] = str(req.specifier)
    return found


def test_environment_yml_matches_pyproject(root):
    """Does every dependency appear in both files with the same version range?"""
    assert conda_requirements(root) == pyproject_requirements(root)


def test_environment_yml_installs_the_course_itself(root):
    """Does the conda environment install `course` and `autograder` from the checkout?"""
    env = yaml.safe_load((root / "environment.yml").read_text())
    pip_section = next(e["pip"] for e in env["dependencies"] if isinstance(e, dict))
    assert "--editable ." in pip_section


def test_installed_packages_honour_the_declared_ranges(root):
    """Is every declared package installed, in a version inside its declared range? (A minimum
    that the environment does not meet means the range or the environment is wrong.)"""
    wrong = {}
    for req in declared(root):
        try:
            installed = importlib.metadata.version(req.name)
        except importlib.metadata.PackageNotFoundError:
            wrong[req.name] = f"not installed, wanted {req.specifier}"
            continue
        release = Version(installed).base_version  # 2.14.1+cu130 is a 2.14.1
        if not req.specifier.contains(release, prereleases=True):
            wrong[req.name] = f"{installed} installed, wanted {req.specifier}"
    assert wrong == {}, f"installed versions outside pyproject.toml's ranges: {wrong}"


def imported_top_level_names(root) -> dict[str, set[str]]:
    """Top-level module names imported by the course's code, tests and solution notebooks, each
    with the files that import it."""
    found: dict[str, set[str]] = {}
    files = [*root.glob("course/**/*.py"), *root.glob("autograder/**/*.py")]
    files += [*root.glob("tests/**/*.py"), root / "nbgrader_config.py"]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(root)))
    for path in root.glob("solutions/*/*.ipynb"):
        cells = json.loads(path.read_text())["cells"]
        source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        for name in IMPORT.findall(source):
            found.setdefault(name, set()).add(str(path.relative_to(root)))
    return found


def test_every_imported_package_is_declared(root):
    """Is every third-party package that the course, its tests or a lesson imports declared in
    pyproject.toml? (Installed only as someone else's dependency, it could vanish on an update.)"""
    distributions = importlib.metadata.packages_distributions()
    wanted = {req.name.lower() for req in declared(root)}
    missing = {}
    for name, files in imported_top_level_names(root).items():
        if name in sys.stdlib_module_names or name in FIRST_PARTY:
            continue
        provided_by = {d.lower() for d in distributions.get(name, [name])}
        if not provided_by & wanted:
            missing[name] = f"from {sorted(provided_by)}, imported by {sorted(files)[:3]}"
    assert missing == {}, f"imported but not declared in pyproject.toml: {missing}"


def test_torch_load_refuses_pickled_code_by_default(tmp_path):
    """Lessons 03, 05 and 07 say `torch.load` only unpickles tensors unless told otherwise
    (the default since torch 2.6): does the installed torch refuse a pickled object?"""
    path = tmp_path / "object.pt"
    torch.save({"weights": torch.zeros(2), "object": Requirement("torch")}, path)
    with pytest.raises(Exception, match="weights_only"):
        torch.load(path)


def test_torchscript_warns_with_the_future_warning_the_course_filters():
    """Lesson 07 prints TorchScript's deprecation warning and `deploy.legacy_torchscript` hides
    it by category and message: does the installed torch raise exactly that warning (a
    FutureWarning since torch 2.14; DeprecationWarning, hidden by Python, before)?"""
    from course import deploy

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.jit.script(deploy.SignGate())
    deprecations = [w for w in caught if re.search(deploy.TORCHSCRIPT_DEPRECATION, str(w.message))]
    assert [w.category for w in deprecations] == [FutureWarning], [str(w) for w in caught]

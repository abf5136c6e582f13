"""Do pyproject.toml (pip users) and environment.yml (conda users) ask for the same packages?"""

import tomllib

import yaml
from packaging.requirements import Requirement

# conda-forge names that differ from the PyPI names
CONDA_TO_PYPI = {"pytorch": "torch"}
NOT_PYTHON_PACKAGES = {"python", "pip"}


def pyproject_requirements(root) -> dict[str, str]:
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["test"]
    return {Requirement(r).name: str(Requirement(r).specifier) for r in wanted}


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

"""Tests for course.distributed: forked ranks of a real gloo group, their results, output and
failures, and the torchrun command line."""

import os
import sys

import pytest
import torch
import torch.distributed as dist

from course import distributed


def _all_reduce_rank(rank):
    t = torch.tensor([float(rank)])
    dist.all_reduce(t)
    print(f"rank {dist.get_rank()} of {dist.get_world_size()}")
    return t


def test_ranks_form_one_group_and_return_in_rank_order(capsys):
    """Do forked ranks join one gloo group, return values in rank order and show their prints?"""
    results = distributed.launch(_all_reduce_rank, world_size=3)
    assert [t.item() for t in results] == [3.0, 3.0, 3.0]
    assert capsys.readouterr().out.splitlines() == [f"[rank {r}] rank {r} of 3" for r in range(3)]
    assert not dist.is_initialized()  # the parent never joins


def _environment(rank):
    keys = ("RANK", "LOCAL_RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")
    env = {key: os.environ.get(key) for key in keys}
    dist.init_process_group("gloo")  # env:// as under torchrun
    env["rank"] = dist.get_rank()
    dist.barrier()
    dist.destroy_process_group()
    return env


def test_init_false_gives_the_environment_torchrun_gives():
    """With init=False, can each rank call init_process_group("gloo") from the environment alone?"""
    first, second = distributed.launch(_environment, init=False, show_output=False)
    assert (first["RANK"], second["RANK"], first["WORLD_SIZE"]) == ("0", "1", "2")
    assert first["MASTER_ADDR"] == "127.0.0.1" and first["MASTER_PORT"] == second["MASTER_PORT"]
    assert (first["rank"], second["rank"]) == (0, 1)


def _fails_on_rank_one(rank):
    if rank == 1:
        raise AssertionError("rank 1 disagrees")
    dist.all_reduce(torch.ones(1))  # left waiting for rank 1
    return rank


def test_the_root_cause_is_raised_with_its_type_and_rank():
    """Is a rank's own AssertionError raised, not its partner's broken connection?"""
    with pytest.raises(AssertionError, match="rank 1 disagrees") as info:
        distributed.launch(_fails_on_rank_one)
    assert "raised on rank 1 of 2" in "\n".join(info.value.__notes__)


def _only_rank_zero_reduces(rank):
    if rank == 0:
        dist.all_reduce(torch.ones(1))
    return rank


def test_a_collective_called_by_one_rank_only_fails_with_advice():
    """Does a collective that only rank 0 calls fail fast and say every rank must call it?"""
    with pytest.raises(RuntimeError) as info:
        distributed.launch(_only_rank_zero_reduces, timeout=10)
    assert "same collectives" in "\n".join(info.value.__notes__)


def _sleeps_on_rank_one(rank):
    if rank == 1:
        import time

        time.sleep(30)
    return rank


def test_a_rank_that_never_finishes_is_stopped():
    """Does the timeout stop a rank that hangs and say which one?"""
    # Rank 0 must finish within the timeout (start, join the group, report): 1 s was not
    # always enough on a busy machine, which then rightly reported both ranks.
    with pytest.raises(TimeoutError, match=r"rank\(s\) \[1\]"):
        distributed.launch(_sleeps_on_rank_one, timeout=5)


def _exits(rank):
    if rank == 1:
        os._exit(3)
    return rank


def test_a_rank_that_dies_silently_is_reported():
    with pytest.raises(distributed.RankError, match="rank 1 died without reporting"):
        distributed.launch(_exits)


def test_unpicklable_results_are_explained():
    with pytest.raises(distributed.RankError, match="could not be sent back"):
        distributed.launch(lambda rank: (lambda: rank))


def test_bad_world_size_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        distributed.launch(_all_reduce_rank, world_size=0)


def test_torchrun_command_uses_this_python():
    command = distributed.torchrun_command("train.py", "--epochs", "2", nproc_per_node=2)
    assert command[:3] == [sys.executable, "-m", "torch.distributed.run"]
    assert "--nproc-per-node=2" in command and command[-3:] == ["train.py", "--epochs", "2"]


def test_run_torchrun_runs_the_script_on_every_rank(tmp_path):
    """Does torchrun start one worker per rank with RANK/WORLD_SIZE set, and report a failure?"""
    script = tmp_path / "hello.py"
    script.write_text("import os, sys\n"  # one write per rank: lines cannot interleave
                      "sys.stdout.write(f\"hello from {os.environ['RANK']} "
                      "{os.environ['WORLD_SIZE']}\\n\")\n")
    out = distributed.run_torchrun(script, nproc_per_node=2)
    assert sorted(line for line in out.splitlines() if line) == ["hello from 0 2", "hello from 1 2"]
    broken = tmp_path / "broken.py"
    broken.write_text("raise SystemExit(5)\n")
    with pytest.raises(RuntimeError, match="torchrun exited with status"):
        distributed.run_torchrun(broken, nproc_per_node=2)


def test_run_torchrun_refuses_what_is_not_a_script_before_starting(tmp_path):
    """A wrong argument is one clear error at once, not a torchrun failure seconds later."""
    with pytest.raises(TypeError, match="needs a script's path, got Tensor"):
        distributed.run_torchrun(torch.ones(2))
    with pytest.raises(FileNotFoundError, match="no script file at"):
        distributed.run_torchrun(tmp_path / "missing.py")


def _writes_natively(rank):
    os.write(2, f"native log of rank {rank}\n".encode())  # as C++ libraries such as gloo do
    return rank


def test_what_ranks_write_to_their_descriptors_is_shown(capfd):
    """Does output written below Python (gloo's C++ logs) come back with the rank's prefix?"""
    distributed.launch(_writes_natively)
    err = capfd.readouterr().err
    assert "[rank 0] native log of rank 0" in err and "[rank 1] native log of rank 1" in err


def test_a_rank_that_returns_at_once_never_breaks_its_partners_start():
    """Can ranks that do nothing finish without cutting a partner off while it still connects?"""
    for _ in range(10):  # without a barrier after joining, this failed about 1 time in 10
        assert distributed.launch(lambda rank: rank, show_output=False) == [0, 1]


def _forges_a_report(rank, seen):
    """What a student's code on a rank could do: write a report that says it passed to the
    write-only pipes it had not seen before launch (its report pipe among them: not this test
    process's own, which lead to pytest), then leave before anything is checked."""
    import fcntl
    import stat

    for fd in set(map(int, os.listdir("/proc/self/fd"))) - seen:
        try:
            writable = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY
            if stat.S_ISFIFO(os.fstat(fd).st_mode) and writable:
                os.write(fd, b"1" * 17 + b'{"out": "", "err": "", "traceback": "", "time": 0}\n')
        except OSError:
            pass
    os._exit(0)


def _rebinds_the_reporter_then_fails(rank):
    distributed._report_body = lambda *args: (True, b"{}\n")
    distributed.json.dumps = lambda info: '{"out": "", "err": "", "traceback": "", "time": 0}'
    raise AssertionError(f"rank {rank}: the check failed")


def test_a_rank_cannot_forge_its_report():
    """A rank's code that writes its own 'passed' report, or rebinds what sends the report,
    still fails: each report is signed with a secret only launch and the rank's sender hold."""
    with pytest.raises(distributed.RankError, match="not its own"):
        seen = set(map(int, os.listdir("/proc/self/fd")))
        distributed.launch(_forges_a_report, seen, show_output=False)
    with pytest.raises(AssertionError, match="the check failed"):
        distributed.launch(_rebinds_the_reporter_then_fails, show_output=False)


def _fails_with(kind):
    def fn(rank):
        raise kind("the message")

    return fn


def test_errors_come_back_as_their_type_or_their_built_in_base():
    """Errors cross as data, never unpickled: a trusted type comes back as itself, any other as
    its nearest built-in base, message kept."""

    class StudentsOwn(KeyError):
        pass

    with pytest.raises(distributed.RankError, match="the message"):
        distributed.launch(_fails_with(distributed.RankError), show_output=False)
    with pytest.raises(KeyError, match="StudentsOwn") as caught:
        distributed.launch(_fails_with(StudentsOwn), show_output=False)
    assert type(caught.value) is KeyError

"""The audit hook and the locks that stand between a student's code and the grader's verdict.

`Guard.install()` runs in each exercise's child before any student code. It adds an audit hook
(`sys.addaudithook`: it cannot be removed) that refuses what the known attacks on a grader need
and no honest answer does:

- frames: `sys._getframe`, `sys._current_frames`, the `tb_frame`, `gi_frame`, `cr_frame` and
  `ag_frame` of tracebacks, generators and coroutines (the verdict's nonce is a local of a
  trusted frame), tracing and profiling hooks (`sys.settrace`, `sys.setprofile`); torch and sympy
  may read frames for themselves, but a function of theirs that returns one counts as its caller,
  and a frame counts as theirs only with their code *and* their globals (student code can make a
  function of a library's code object with globals of its own, whose names then hand it the
  frames), and only while `inspect`, `traceback` and `linecache`, through which they walk
  frames, hold their own functions;
- memory: `gc.get_objects`, `gc.get_referrers`, `gc.get_referents`, `ctypes` (its import and
  every `ctypes.*` event) and other modules that read raw memory or make sub-interpreters;
- code: writing a function's `__code__`, `__defaults__`, `__kwdefaults__`;
- the process: `/proc/<pid>` and `/proc/self` (the sandbox has no `/proc` besides `cpuinfo`; this
  also holds in the fallback without bubblewrap), new processes, `os.kill`, sockets, and (by
  patching `signal`) signal handlers, whose callbacks would receive a trusted frame;
- threads: `_thread.start_new_thread` is a gate that asks the hook, which alone holds the real
  one: unless the lesson allows threads, only the runner's own thread body may start (and the
  runner's `RLIMIT_NPROC` leaves a task for its own threads only); and no thread or process at
  all starts in the processes where the verdict is decided (`fork_alone`), whatever the lesson
  allows.

What the hook trusts (the runner reading a traceback, putting a function back) it trusts only on
the thread that asked: a student's thread running meanwhile gets nothing.

A lesson may allow what its exercises legitimately use with `"autograder": {"allow": [...]}` in
its notebook metadata: `"threads"`, `"processes"`, `"loopback"` (sockets; the sandbox has no
network besides its own loopback). Everything else stays refused.

The hook looks nothing up at run time: every function it calls was captured when the guard was
made, in the zygote, so student code that rebinds builtins or module attributes cannot steer it.
"""

from __future__ import annotations

import _imp
import _signal
import _thread
import collections
import hashlib
import posix
import resource
import sys
import threading
import types

# Refused unless allowed; maps an allowance to the audit events it opens.
PROCESS_EVENTS = frozenset(
    {
        "os.fork",
        "os.forkpty",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "os.system",
        "subprocess.Popen",
        "os.kill",
        "os.killpg",
        "pty.spawn",
    }
)
ALWAYS_REFUSED = frozenset(
    {
        "sys._getframe",
        "sys._current_frames",
        "sys._current_exceptions",
        "sys._getframemodulename",
        "sys.settrace",
        "sys.setprofile",
        "gc.get_objects",
        "gc.get_referrers",
        "gc.get_referents",
        "cpython.PyInterpreterState_New",
        # A hook of the student's would see every compile and exec (the test's source) and
        # run while trusted code has the guard open.
        "sys.addaudithook",
        # The task limit leaves no thread free for student code (runner `limit_tasks`); the
        # runner sets it through the guard (`set_task_limit`).
        "resource.setrlimit",
        "resource.prlimit",
    }
)
# Library functions that read their caller's frame for a name or a line, and hand no frame on:
# `sys._getframe`, `sys.settrace` and `sys.setprofile` are allowed when one of these calls them.
TRUSTED_CALLERS = (
    "torch.library:Library.__init__",
    "typing:_caller",
    "collections:namedtuple",
    "enum:EnumType._create_",
    "enum:Enum._create_",
    # absl names the module that defines a flag (a module object, never a frame).
    "absl.flags._helpers:get_calling_module_object_and_name",
    "course.checks:_count_work",
)
FRAME_ATTRIBUTES = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame", "f_back"})
CODE_ATTRIBUTES = frozenset({"__code__", "__defaults__", "__kwdefaults__"})
# Top-level modules that read or write raw memory, or escape this interpreter's hooks.
REFUSED_IMPORTS = frozenset(
    {
        "_testcapi",
        "_testinternalcapi",
        "_testmultiphase",
        "_xxsubinterpreters",
        "_xxinterpchannels",
        "_cffi_backend",
        "cffi",
        # Loaded already; loading them again would give back the functions patched here.
        "_thread",
        "_signal",
        "_posixsubprocess",
    }
)
PATH_EVENTS = frozenset({"open", "os.listdir", "os.scandir", "os.chdir", "os.link", "os.symlink"})
# Registering a kernel goes through `torch._C._dispatch_library`, which the child replaces with a
# gate that raises this audit event: the hook makes the registration, or refuses one for an
# operator namespace torch had already (`aten`: a kernel of the student's for `aten::isclose`
# would pass every comparison of the checks).
LIBRARY_EVENT = "autograder.torch_library"
# Starting a thread goes through a gate (`_thread.start_new_thread` and its aliases) that raises
# this audit event: the hook starts the thread, or refuses it.
THREAD_EVENT = "autograder.start_thread"
# Installing a frame evaluator (PEP 523, torch's `set_eval_frame`) goes through a gate that raises
# this: the callback is handed every frame the thread starts from then on (the guard's own hook
# and the test's included), so the hook installs the callbacks torch's compiler makes only.
EVAL_FRAME_EVENT = "autograder.set_eval_frame"
CURRENT_CALLBACK = "@current callback@"  # what the gate of `get_eval_frame_callback` asks for
# A lesson whose code mentions one of these gets torch's compiler loaded by the zygote: it
# patches torch functions and reads frames as it loads, which must happen before student code,
# and the guard installs the frame evaluators of a compiler it has seen loaded only.
COMPILER_WORDS = ("torch.export", "torch.compile", "torch.cond", "torch._dynamo", "torch.jit")
# Raised before each step a test takes (a call, an operator, a subscript, an attribute read...:
# its code is rewritten so, see `autograder/watched.py`): the hook runs the runner's check,
# which no student code can reach (`Guard.check_calls_with`).
CALL_EVENT = "autograder.test_calls"
# The constants a rewritten test calls, which the child replaces with its hooks: a call, an
# attribute read, a method call (each checked first), the names a statement of the test bound,
# the test's cells (these two only in TEST_FUNCTION, the function that holds the test's body).
CALL_MARK, SEEN_MARK, CELLS_MARK = "@call@", "@seen@", "@cells@"
TEST_FUNCTION = "__test__"
ATTRIBUTE_MARK, METHOD_MARK = "@attribute@", "@method@"
# What an operator of the test's becomes, called through CALL_MARK: the child replaces each
# `@op:name@` with `_operator.name` (`in` and `not in` with functions of its own, `iter` with
# Python's).
OPERATIONS = (
    "eq ne lt le gt ge add sub mul matmul truediv floordiv mod pow lshift rshift or_ xor and_ "
    "neg pos invert not_ truth getitem in not_in iter"
).split()
SLICE_MARK = "@slice@"
# Hooks torch runs for every module or optimizer: one of the student's there would change the
# test's own reference models (their outputs, their steps).
GLOBAL_HOOKS = {
    "torch.nn.modules.module": (
        "_global_forward_pre_hooks",
        "_global_forward_hooks",
        "_global_forward_hooks_always_called",
        "_global_forward_hooks_with_kwargs",
        "_global_backward_pre_hooks",
        "_global_backward_hooks",
        "_global_module_registration_hooks",
        "_global_parameter_registration_hooks",
        "_global_buffer_registration_hooks",
    ),
    "torch.optim.optimizer": ("_global_optimizer_pre_hooks", "_global_optimizer_post_hooks"),
}
SIGNAL_FUNCTIONS = ("signal", "setitimer", "alarm", "pthread_kill", "set_wakeup_fd", "siginterrupt")
MAX_LINKS = 40


# The test's channel: the grader writes each test sealed for the one child that may read it.
_shake_256, _sha256, _from_bytes, _length = hashlib.shake_256, hashlib.sha256, int.from_bytes, len
_blake2b = hashlib.blake2b


def signed_line(nonce: str, payload: bytes) -> bytes:
    """One line of a child's channel: a signature of the whole payload keyed with `nonce`, a
    space, the payload (one JSON object), a newline. A line longer than the pipe's atomic size
    may reach the grader interleaved with another writer's bytes (a thread of the student's
    holds the same pipe); it is then no longer signed and is dropped, whatever it says."""
    return signature(nonce, payload) + b" " + payload + b"\n"


def signature(nonce: str, payload: bytes) -> bytes:
    return _blake2b(payload, key=nonce.encode(), digest_size=16).hexdigest().encode()


def sealed_test(nonce: str, source: bytes) -> bytes:
    """The grader's message carrying a test to the child that holds `nonce`: the length, then a
    tag and the test, XORed with a keystream drawn from the nonce. Any other reader of the pipe
    (a process the student forked, a later child) learns neither the test nor the nonce."""
    payload = _tag(nonce) + source
    return b"%d\n" % _length(payload) + _xor(payload, nonce)


def opened_test(nonce: str, payload: bytes) -> bytes | None:
    """The test in a payload sealed for `nonce`; None when it was sealed for another child."""
    plain, tag = _xor(payload, nonce), _tag(nonce)
    return plain[_length(tag) :] if plain[: _length(tag)] == tag else None


def _tag(nonce: str) -> bytes:
    return _sha256(b"autograder test tag " + nonce.encode()).digest()


def _xor(data: bytes, nonce: str) -> bytes:
    stream = _shake_256(b"autograder test stream " + nonce.encode()).digest(_length(data))
    return (_from_bytes(data, "big") ^ _from_bytes(stream, "big")).to_bytes(_length(data), "big")


class Refused(PermissionError):
    """What student code gets when it reaches for something the grader refuses."""


class FrameRefused(ValueError):
    """`sys._getframe` refused: a ValueError, like a stack too shallow, which libraries handle."""


def _refuser(what: str):
    """A function that refuses `what`; made in a namespace of its own, so that student code
    that holds it (it replaces `_thread.start_new_thread`...) reaches nothing of the guard."""
    namespace = {"__builtins__": {"PermissionError": PermissionError}}
    message = f"{what} is not available while grading"
    exec(f"def refused(*args, **kwargs):\n    raise PermissionError({message!r})", namespace)
    return namespace["refused"]


def _no_tracer():
    """What replaces `sys.gettrace` in the child: no trace function, ever. Student code cannot
    set one (`sys.settrace` is refused), and the one a check sets to count the lines a function
    runs (`course.checks.assert_vectorised`) would hand that function its own counts to reset.
    The check keeps the real `sys.gettrace`, captured as the course loads."""
    namespace: dict = {"__builtins__": {}}
    exec("def gettrace():\n    return None\n", namespace)
    return namespace["gettrace"]


def _library_gate():
    """What replaces `torch._C._dispatch_library` in the child: it asks the hook (LIBRARY_EVENT),
    which holds the real one, to make the library. Made in a namespace of its own that holds
    nothing of the guard's; calling `sys.audit` with that event directly meets the same check."""
    namespace = {"__builtins__": {}, "audit": sys.audit}
    exec(
        "def _dispatch_library(kind, ns, dispatch_key, file, line):\n"
        "    made = []\n"
        f"    audit({LIBRARY_EVENT!r}, kind, ns, dispatch_key, file, line, made)\n"
        "    return made[0]\n",
        namespace,
    )
    return namespace["_dispatch_library"]


def thread_gate():
    """What starts every thread in a child: it asks the hook (THREAD_EVENT), which holds the
    real `_thread.start_new_thread`. Made in a namespace of its own, like `_library_gate`."""
    namespace = {"__builtins__": {}, "audit": sys.audit}
    exec(
        "def start_new_thread(function, args, kwargs=None):\n"
        "    started = []\n"
        f"    audit({THREAD_EVENT!r}, function, args, kwargs, started)\n"
        "    return started[0]\n",
        namespace,
    )
    return namespace["start_new_thread"]


def _install_thread_gates() -> object:
    """Put gates where the standard library keeps its thread starters; return the real one."""
    real = _thread.start_new_thread
    for module, name in ((_thread, "start_new_thread"), (_thread, "start_new"),
                         (threading, "_start_new_thread")):  # fmt: skip
        setattr(module, name, thread_gate())
    return real


def _eval_frame_gates() -> dict[str, object]:
    """What stands in for torch's frame evaluator API in a child, by name: `set_eval_frame` and
    `get_eval_frame_callback` ask the hook (EVAL_FRAME_EVENT), which holds the real ones (made
    like `thread_gate`); REFUSED_EVAL_FRAME_HOOKS are refused."""
    namespace = {"__builtins__": {}, "audit": sys.audit, "refused": Refused}
    exec(
        "def set_eval_frame(callback):\n"
        "    result = []\n"
        f"    audit({EVAL_FRAME_EVENT!r}, callback, result)\n"
        "    return result[0]\n"
        "def get_eval_frame_callback():\n"
        "    result = []\n"
        f"    audit({EVAL_FRAME_EVENT!r}, {CURRENT_CALLBACK!r}, result)\n"
        "    return result[0]\n"
        "def refuse(*args, **kwargs):\n"
        "    raise refused('torch\\'s frame evaluator hooks are not available while grading')\n",
        namespace,
    )
    refuse = namespace["refuse"]
    return {
        "set_eval_frame": namespace["set_eval_frame"],
        "get_eval_frame_callback": namespace["get_eval_frame_callback"],
        **dict.fromkeys(REFUSED_EVAL_FRAME_HOOKS, refuse),
    }


# What of torch's frame evaluator API hands frames, or what a frame holds, to a callable or its
# caller: only torch's bytecode debugger uses them. (The guards' hooks, which torch's compiler
# installs as it loads, see the variables of the frames it compiled only.)
REFUSED_EVAL_FRAME_HOOKS = ("set_bytecode_debugger_callback", "_get_frame_value_stack_with_depth")


def _install_eval_frame_gates() -> tuple:
    """Put gates wherever a loaded module holds a function of torch's frame evaluator API
    (torch's compiler keeps copies under other names); return (the real `set_eval_frame` and
    `get_eval_frame_callback`, the class of the callback torch's compiler installs, the classes
    of the frame converters it wraps), or (None, None, ()) without torch.
    Student code that installed a callback of its own was handed every frame of its thread:
    through the guard's own hook it turned the guard off (tester 18: full marks on all nine
    lessons)."""
    api = sys.modules.get("torch._C._dynamo.eval_frame")
    if getattr(api, "set_eval_frame", None) is None:
        return None, None, ()
    gates = _eval_frame_gates()
    gate_for = {id(getattr(api, name)): g for name, g in gates.items() if hasattr(api, name)}
    held = (api.set_eval_frame, api.get_eval_frame_callback)
    for module in list(sys.modules.values()):
        namespace = getattr(module, "__dict__", None)
        if type(namespace) is dict:
            for key, value in list(namespace.items()):
                if id(value) in gate_for:
                    namespace[key] = gate_for[id(value)]
    convert = sys.modules.get("torch._dynamo.convert_frame")
    wrapper = getattr(convert, "CatchErrorsWrapper", None)
    converters = {getattr(convert, name, None) for name in ("ConvertFrame", "ConvertFrameAssert")}
    return held, wrapper, tuple(c for c in converters if isinstance(c, type))


def _torch_library_api() -> tuple | None:
    """(`torch._C`, its `_dispatch_library`, the operator namespaces torch has), or None
    without torch."""
    torch_c = sys.modules.get("torch._C")
    make = getattr(torch_c, "_dispatch_library", None)
    if make is None:
        return None
    namespaces = frozenset(n.split("::")[0] for n in torch_c._dispatch_get_all_op_names())
    return torch_c, make, namespaces | {"aten", "prim", "prims"}


def _global_hook_registries() -> list[tuple[dict, str, dict, dict]]:
    """(module namespace, name, registry, its pristine items) for each of GLOBAL_HOOKS torch has
    loaded: torch looks the name up on every call, so the binding counts as well as the items."""
    found = []
    for module_name, names in GLOBAL_HOOKS.items():
        module = sys.modules.get(module_name)
        for name in names:
            registry = getattr(module, name, None)
            if type(registry) is collections.OrderedDict:
                found.append((vars(module), name, registry, dict(registry)))
    return found


class Guard:
    """The child's audit hook and locks, prepared in the zygote (see the module docstring)."""

    def __init__(self, *, allow: frozenset[str], workdir: str, thread_code: int = 0) -> None:
        """`thread_code`: the id of the code the runner's own threads run (its thread body),
        the only threads that start where the lesson allows none."""
        self.allow = allow
        # The threads (their idents) on which trusted code runs now: a closure of the guard's
        # reading a traceback, putting a function back, setting a limit.
        self.trusted: set[int] = set()
        functions, ctypes_functions = _library_functions()
        library = _genuine(functions)
        self.library_code = frozenset(library)
        helpers = _genuine(_functions_named(PASS_THROUGH) + ctypes_functions)
        returners = _frame_returners(_all_nested([f.__code__ for f in functions]))
        helpers.update({code: library[code] for code in returners})
        # The grader's own classes, and the metaclasses of the classes tests rely on: their
        # special attributes (`__bases__`, `__name__`...) never change. A plain attribute set on
        # a class raises no audit event: the snapshot puts those back (`restore_grader`).
        self.protected_types: set[int] = set()
        # Every class loaded before student code (`Guard.know`): their `__bases__`, and the
        # class of their instances, stay as they are.
        self.known_types: set[int] = set()
        self.torch_library = _torch_library_api()
        # [True] from a fork of `fork_alone` until it has put the grader back, and for good in
        # the verdict's: no thread or process may start there.
        alone, forking = [False], [False]
        self.call_check: list = [None]
        self.hook = _make_hook(
            allow,
            self.trusted,
            _genuine(_functions_named(TRUSTED_CALLERS) + functions),
            helpers,
            self.protected_types,
            self.torch_library,
            _zygote_code_ids(),
            (_install_thread_gates(), thread_code, alone, forking),
            self.call_check,
            self.known_types,
            _install_eval_frame_gates(),
        )
        if self.torch_library is not None:
            # In place from the zygote on, so the snapshot holds the gate as torch's own; until
            # the hook is installed in a child, nothing can make a library (nothing tries).
            self.torch_library[0]._dispatch_library = _library_gate()
        sys.gettrace = _no_tracer()  # before the snapshot: it is what `sys` holds from now on
        self.hook_registries = _global_hook_registries()
        self.registry_api = (collections.OrderedDict.clear, collections.OrderedDict.__setitem__)
        import gc

        # Run at every collection, on whatever thread triggers it (the runner's main thread too).
        self.gc_callbacks = (gc.callbacks, list(gc.callbacks), list.clear, list.extend)
        self.gc_api = _gc_api()
        self.handlers = {s: _signal.getsignal(s) for s in _catchable_signals()}
        # Captured: `_signal` is no protected module, and its names are looked up on the
        # runner's main thread before each test.
        self.getsignal = _signal.getsignal
        self.timers = (_signal.ITIMER_REAL, _signal.ITIMER_VIRTUAL, _signal.ITIMER_PROF)
        self.signal_api = {name: getattr(_signal, name) for name in SIGNAL_FUNCTIONS}
        self.torch_modes = _torch_mode_api()
        # What of the student's the guard pops or clears (torch modes, gc.garbage, hooks):
        # never freed, so no `__del__` of theirs runs on the runner's main thread.
        self.kept: list = []
        self.frames_of = _frame_reader(self.trusted)
        self.outcome_of = _outcome_reader(self.trusted)
        self.restore_function = _function_restorer(self.trusted)
        self.set_task_limit = _task_limiter(self.trusted)
        self.fork_alone, self.allow_threads = _forker(alone, forking)

    def check_calls_with(self, check) -> None:
        """Run `check()` whenever CALL_EVENT is raised (None: nothing). Held by the hook alone."""
        self.call_check[0] = check

    def know(self, classes) -> None:
        """Refuse, once the hook is installed, new bases for these classes, and another class
        for their instances (their code would change with no namespace changing)."""
        self.known_types.update(id(c) for c in classes)

    def protect(self, *classes: type) -> None:
        """Refuse any change to these classes once the hook is installed."""
        self.protected_types.update(id(c) for c in classes)

    def install(self) -> None:
        """Add the audit hook (which from now on starts threads) and lock signals."""
        sys.addaudithook(self.hook)
        self.clear_garbage()
        # Every built-in module is loaded already (the runner's warm-up): a second copy of
        # `_signal`, `_thread` or `gc` made with `_imp.create_builtin` would give back the
        # functions locked here. The refuser holds no reference to the original.
        _imp.create_builtin = _refuser("creating a built-in module again")
        for name in SIGNAL_FUNCTIONS:
            refused = _refuser(f"signal.{name}")
            for module in (_signal, sys.modules.get("signal")):
                if module is not None and hasattr(module, name):
                    setattr(module, name, refused)

    def clear_garbage(self) -> bool:
        """No `gc` debugging flags, nothing kept in `gc.garbage`: `DEBUG_SAVEALL` would hand
        student code every collected cycle (a fresh `gc` module made with `_imp` shares this
        state, so the flags are reset here, through functions captured in the zygote)."""
        set_debug, get_debug, garbage = self.gc_api
        changed = bool(get_debug()) or bool(garbage)
        set_debug(0)
        self.kept.append(garbage[:])  # freed here, a `__del__` there would run on this thread
        del garbage[:]
        return changed

    def reset_signals_and_modes(self) -> list[str]:
        """Before a test: default signal handlers, no timers, no torch function/dispatch modes."""
        changed = []
        setitimer, alarm = self.signal_api["setitimer"], self.signal_api["alarm"]
        for which in self.timers:
            if setitimer(which, 0)[0]:
                changed.append("a signal timer")
        if alarm(0):
            changed.append("signal.alarm")
        for signum, handler in self.handlers.items():
            if self.getsignal(signum) is not handler:
                self.signal_api["signal"](signum, handler)
                changed.append(f"the handler of signal {signum}")
        if self.clear_garbage():
            changed.append("gc debugging flags or gc.garbage")
        changed += self.restore_global_hooks()
        return changed + _clear_torch_modes(self.torch_modes, self.kept)

    def restore_global_hooks(self) -> list[str]:
        """Put torch's registries of global module and optimizer hooks, and `gc.callbacks`, back
        as the zygote had them (read by identity: nothing of the student's runs); name those
        that had changed."""
        clear, put = self.registry_api
        changed = []
        for namespace, name, registry, pristine in self.hook_registries:
            keys = list(registry)
            same = namespace.get(name) is registry and len(keys) == len(pristine) and all(
                type(k) is int and k in pristine and registry[k] is pristine[k] for k in keys
            )
            if not same:
                self.kept.append((namespace.get(name), list(registry.items())))  # never freed
                namespace[name] = registry
                clear(registry)
                for key, hook in pristine.items():
                    put(registry, key, hook)
                changed.append(f"torch's global hooks ({name})")
        callbacks, pristine_callbacks, clear_list, extend = self.gc_callbacks
        if len(callbacks) != len(pristine_callbacks) or not all(
            a is b for a, b in zip(callbacks, pristine_callbacks, strict=False)
        ):
            self.kept.append(list(callbacks))  # never freed here (see above)
            clear_list(callbacks)
            extend(callbacks, pristine_callbacks)
            changed.append("gc.callbacks")
        return changed


def _gc_api() -> tuple:
    import gc

    return gc.set_debug, gc.get_debug, gc.garbage


def _outcome_reader(trusted: set):
    """`outcome_of(ident, code)`: (True, the `outcome` local of thread `ident`'s frame) when
    that frame runs `code` and is the thread's first (the runner's thread body, parked once its
    code has run), else (False, None). Student code that reached the body's frame could write
    the slot the body reports through, and release the lock the runner waits on, while its own
    code still ran; a frame's locals it cannot write, nor can it be the first frame of a thread
    the runner started, nor make it jump without a trace function on it. Only C code runs while
    `trusted` lets the hook allow frame access."""
    import gc

    current_frames = sys._current_frames
    disable, enable, enabled = gc.disable, gc.enable, gc.isenabled
    me, trust, distrust = _thread.get_ident, set.add, set.discard

    def outcome_of(ident: int, code: types.CodeType) -> tuple:
        was = enabled()
        disable()  # no student __del__ may run while the hook is open
        trust(trusted, me())
        try:
            frame = current_frames().get(ident)
            if frame is None or frame.f_code is not code or frame.f_back is not None:
                return False, None
            if frame.f_trace is not None:  # a trace function can make it jump to any line
                return False, None
            return True, frame.f_locals.get("outcome")
        finally:
            frame = None
            distrust(trusted, me())
            if was:
                enable()

    return outcome_of


def _function_restorer(trusted: set):
    """`restore_function(f, code, defaults, kwdefaults)`: put back a library function's code and
    defaults, which the hook refuses to anyone else. A closure held only by the guard and the
    snapshot, never a class: every class is found through `object.__subclasses__()`, and a
    class's methods would hand out the switch (their closure holds `trusted`)."""
    import gc

    disable, enable, enabled = gc.disable, gc.enable, gc.isenabled
    fields = types.FunctionType.__dict__
    set_code, set_defaults = fields["__code__"].__set__, fields["__defaults__"].__set__
    set_kwdefaults, function_type = fields["__kwdefaults__"].__set__, types.FunctionType
    me, trust, distrust = _thread.get_ident, set.add, set.discard

    def restore_function(f, code, defaults, kwdefaults) -> None:
        if type(f) is not function_type:
            return
        was = enabled()
        disable()  # no student __del__ may run while the hook is open
        trust(trusted, me())
        try:
            set_code(f, code)
            set_defaults(f, defaults)
            set_kwdefaults(f, kwdefaults)
        finally:
            distrust(trusted, me())
            if was:
                enable()

    return restore_function


def _task_limiter(trusted: set):
    """`set_task_limit(n, hard)`: let the process have `n` tasks (threads) from now on, under
    `hard` (by default the hard limit the runner set); the hook refuses `setrlimit` to anyone
    else. A closure held only by the guard (see `_function_restorer`)."""
    import gc

    disable, enable, enabled = gc.disable, gc.enable, gc.isenabled
    getrlimit, setrlimit, which = resource.getrlimit, resource.setrlimit, resource.RLIMIT_NPROC
    me, trust, distrust = _thread.get_ident, set.add, set.discard

    def set_task_limit(n: int, hard: int | None = None) -> None:
        was = enabled()
        disable()
        trust(trusted, me())
        try:
            setrlimit(which, (n, getrlimit(which)[1] if hard is None else hard))
        finally:
            distrust(trusted, me())
            if was:
                enable()

    return set_task_limit


def _forker(alone: list, forking: list):
    """`fork_alone(restore)`: go on in a fork of this process, which holds only the thread that
    forked (the main thread), with `restore()` run in it first; this process waits for the fork
    and ends with its status, running nothing else. No thread or process may start in the fork
    (the fork's at-fork hooks, some of them the student's, run before `restore`) until
    `allow_threads()`, which the runner calls as it starts the test. A student's thread of this
    process can change nothing the fork sees. Closures held only by the guard (see
    `_function_restorer`): the hook lets only `fork_alone` fork where the lesson allows no
    processes."""
    fork, waitpid, end = posix.fork, posix.waitpid, posix._exit
    exit_code = posix.waitstatus_to_exitcode

    def allow_threads() -> None:
        alone[0] = False

    def fork_alone(restore) -> None:
        alone[0] = forking[0] = True
        try:
            pid = fork()
        except BaseException:  # noqa: BLE001 (no task left, say): no verdict, never a wrong one
            end(1)
        forking[0] = False
        if pid == 0:
            restore()
            return
        try:
            code = exit_code(waitpid(pid, 0)[1])
        except BaseException:  # noqa: BLE001
            code = 1
        end(128 - code if code < 0 else code)  # a signal's death as bwrap reports it (128 + N)

    return fork_alone, allow_threads


def _frame_reader(trusted: set):
    """`frames_of(exc)`: (file, line, function) of each frame of `exc`'s traceback in the
    student's cells. Only C code runs while `trusted` lets the hook allow frame access."""
    import gc

    traceback_of = BaseException.__dict__["__traceback__"].__get__
    length, append, starts, as_str = len, list.append, str.startswith, str.__str__
    disable, enable, enabled = gc.disable, gc.enable, gc.isenabled
    me, trust, distrust = _thread.get_ident, set.add, set.discard

    def frames_of(exc: BaseException) -> list[tuple[str, int, str]]:
        found: list = []
        tb = traceback_of(exc)
        was = enabled()
        disable()  # no student __del__ may run while the hook is open
        trust(trusted, me())
        try:
            while tb is not None and length(found) < 200:
                code = tb.tb_frame.f_code
                append(found, (as_str(code.co_filename), tb.tb_lineno, as_str(code.co_name)))
                tb = tb.tb_next
        finally:
            distrust(trusted, me())
            if was:
                enable()
        mine = [f for f in found if starts(f[0], "<cell")]
        return mine or found[-1:]

    return frames_of


def _catchable_signals() -> list[int]:
    return [
        s
        for s in range(1, _signal.NSIG)
        if s not in (_signal.SIGKILL, _signal.SIGSTOP) and _signal.getsignal(s) is not None
    ]


def _torch_mode_api() -> dict:
    """torch's mode stacks, captured (torch is imported by the zygote before any student code)."""
    torch = sys.modules.get("torch")
    if torch is None:
        return {}
    c = torch._C
    return {
        "function": (c._len_torch_function_stack, c._pop_torch_function_stack),
        "dispatch": (c._len_torch_dispatch_stack, c._pop_torch_dispatch_stack),
        "enabled": (
            c._is_torch_function_enabled,
            getattr(c, "_is_torch_function_mode_enabled", None),
        ),
    }


def _clear_torch_modes(api: dict, kept: list) -> list[str]:
    """Pop any torch function or dispatch mode that student code left active."""
    changed = []
    for kind in ("function", "dispatch"):
        if kind not in api:
            continue
        length, pop = api[kind]
        if length():
            changed.append(f"a torch {kind} mode was left active")
        while length():
            kept.append(pop())
    if api and not api["enabled"][0]():
        changed.append("torch functions were left disabled")
    return changed


def protected_code_ids(modules) -> frozenset[int]:
    """The ids of every code object reachable from the functions of `modules` (kept alive)."""
    import warnings

    seen: set[int] = set()
    stack = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stack = _module_codes(modules)
    while stack:
        code = stack.pop()
        if id(code) in seen:
            continue
        seen.add(id(code))
        stack.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    return frozenset(seen)


def _module_codes(modules) -> list:
    stack = []
    for module in modules:
        for value in list(vars(module).values()):
            code = (
                getattr(value, "__code__", None) if isinstance(value, types.FunctionType) else None
            )
            if code is not None:
                stack.append(code)
    return stack


def _functions_named(dotted_names) -> list[types.FunctionType]:
    """The functions `module:qualname` names, where their modules are loaded."""
    found = []
    for dotted in dotted_names:
        module_name, _, qualname = dotted.partition(":")
        value = sys.modules.get(module_name)
        for part in qualname.split("."):
            value = getattr(value, part, None)
        value = getattr(value, "__func__", value)  # a classmethod's function
        if isinstance(value, types.FunctionType):
            found.append(value)
    return found


def _genuine(functions: list[types.FunctionType]) -> dict[int, tuple[int, ...]]:
    """{id of a code object, nested ones included: the ids of the globals its functions run
    with}. A frame is one of these functions' only with both: student code can make a function
    of a library's code object with globals of its own (`logging.Logger.findCaller`'s, whose
    `currentframe` and `_is_internal_frame` would then be the student's)."""
    table: dict[int, set[int]] = {}
    for function in functions:
        for code in _all_nested([function.__code__]):
            table.setdefault(id(code), set()).add(id(function.__globals__))
    return {code: tuple(ids) for code, ids in table.items()}




# torch functions that hand a frame's variables back to their caller: never trusted callers.
FRAME_LEAKS = ("createResolutionCallbackFromFrame",)
# Libraries whose code may read its caller's frames (torch registers operators that way, sympy
# dispatches that way when torch loads it lazily).
FRAME_LIBRARIES = ("torch", "sympy")
# Helpers through which those libraries ask: the frame they return goes to their caller, which
# is what is judged.
PASS_THROUGH = (
    "inspect:currentframe",
    "inspect:stack",
    "inspect:getouterframes",
    "traceback:format_stack",
    "traceback:extract_stack",
    # Walking a traceback reads each entry's `tb_frame`: torch.fx does it to word the error of a
    # call that failed (`_WrappedCall.__call__`), and keeps only the file and line of each.
    "traceback:walk_tb",
    "traceback:walk_stack",
    "traceback:_walk_tb_with_full_positions",
    "traceback:StackSummary.extract",
    "traceback:StackSummary._extract_from_extended_frame_gen",
)


def _zygote_code_ids() -> frozenset[int]:
    """The ids of the code of every function the zygote holds, nested code included: the
    grader's own methods, the libraries', the checks'. No one changes their code or defaults in
    a child (a library's setter handed them, or code compiled under a library's file name)."""
    import gc

    codes = [obj.__code__ for obj in gc.get_objects() if type(obj) is types.FunctionType]
    return frozenset(id(code) for code in _all_nested(codes))


def _library_functions() -> tuple[list, list]:
    """Every function of FRAME_LIBRARIES, and every function of `ctypes`, that the zygote holds
    (before any student code)."""
    import gc

    roots = tuple(os_path_dir(sys.modules[n]) for n in FRAME_LIBRARIES if n in sys.modules)
    ctypes_root = _package_dir("ctypes")
    library, ctypes_functions = [], []
    for obj in gc.get_objects():
        if type(obj) is types.FunctionType:
            filename = obj.__code__.co_filename
            if filename.startswith(roots) and obj.__name__ not in FRAME_LEAKS:
                library.append(obj)
            elif filename.startswith(ctypes_root):
                ctypes_functions.append(obj)
    return library, ctypes_functions


# What library code calls or reads to get a frame, and what of a frame hands on its variables.
FRAME_CALLS = frozenset({"currentframe", "_getframe"})
FRAME_LINKS = frozenset({"f_back", "tb_frame"})
FRAME_VARIABLES = frozenset({"f_locals", "f_globals"})


def _frame_returners(codes: list[types.CodeType]) -> frozenset[int]:
    """Library functions that hand a frame (or its variables) back to their caller, such as
    torch.fx's `_find_user_code_frame`: their frame goes wherever their caller sends it, so
    the guard looks through them to that caller (like `inspect.currentframe`) instead of
    trusting them. Read from the bytecode of every library function that names a frame."""
    names = FRAME_CALLS | FRAME_LINKS
    return frozenset(
        id(code) for code in codes if names.intersection(code.co_names) and _returns_a_frame(code)
    )


def _all_nested(codes: list[types.CodeType]) -> list[types.CodeType]:
    codes, seen, result = list(codes), set(), []
    while codes:
        code = codes.pop()
        if id(code) not in seen:
            seen.add(id(code))
            result.append(code)
            codes.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    return result


def _returns_a_frame(code: types.CodeType) -> bool:
    """Whether `code` returns or yields a frame it got (`inspect.currentframe()`,
    `sys._getframe(n)`, `.f_back`, `.tb_frame`, kept in a local) or such a frame's `f_locals` or
    `f_globals`: the frame walks libraries write, read from the bytecode."""
    import dis

    instructions = [i for i in dis.get_instructions(code) if i.opname not in ("CACHE", "NOP")]
    framey: set[str] = set()

    def gives_a_frame(at: int) -> bool:
        """Whether the value pushed by instruction `at` (the last of an expression) is a frame."""
        ins = instructions[at]
        if ins.opname in ("LOAD_FAST", "LOAD_DEREF"):
            return ins.argval in framey
        if ins.opname == "LOAD_ATTR" and ins.argval in FRAME_LINKS | FRAME_VARIABLES:
            return at > 0 and gives_a_frame(at - 1)
        if ins.opname == "CALL":  # currentframe() or _getframe(n): only constants in between
            before = at - 1
            while before >= 0 and instructions[before].opname in ("PRECALL", "LOAD_CONST"):
                before -= 1
            return before >= 0 and instructions[before].argval in FRAME_CALLS
        return False

    for at, ins in enumerate(instructions):
        if ins.opname in ("STORE_FAST", "STORE_DEREF") and at > 0:
            (framey.add if gives_a_frame(at - 1) else framey.discard)(ins.argval)
        elif ins.opname in ("RETURN_VALUE", "YIELD_VALUE") and at > 0 and gives_a_frame(at - 1):
            return True
    return False


def _library_roots() -> list[str]:
    """Where installed packages live (read-only in the sandbox)."""
    import site
    import sysconfig

    roots = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    roots.update(site.getsitepackages())
    return sorted(r.rstrip("/") + "/" for r in roots)


def _package_dir(name: str) -> str:
    module = sys.modules.get(name)
    return os_path_dir(module) if module is not None and getattr(module, "__file__", None) else "\0"


def os_path_dir(module: types.ModuleType) -> str:
    import os

    return os.path.dirname(module.__file__) + os.sep


def _shallow_helpers() -> dict[int, tuple[int, ...]]:
    """FRAME_LEAKS: helpers allowed to look at most one frame above the torch code calling them."""
    return _genuine(_functions_named(f"torch._jit_internal:{name}" for name in FRAME_LEAKS))


# The modules through which library code walks frames: a function of theirs that student code
# replaced (`traceback.walk_stack`, `inspect.getframeinfo`, a method of `StackSummary`) would be
# handed the frames a trusted caller asked for, so while one is replaced none is handed out.
FRAME_WALKERS = ("inspect", "traceback", "linecache")


def _pinned() -> list[tuple]:
    """(namespace, name, value) for the functions and classes of FRAME_WALKERS, and what the
    classes they define hold (their data, such as `linecache.cache`, may change)."""
    pins = []
    for name in FRAME_WALKERS:
        module = sys.modules.get(name)
        for key, value in list(vars(module).items()) if module is not None else ():
            if callable(value):
                pins.append((vars(module), key, value))
            if isinstance(value, type) and value.__module__ == name:
                pins += [(vars(value), k, v) for k, v in list(vars(value).items())]
    return pins


def _caller_check(trusted: set, callers: dict, helpers: dict):
    """`trusted_caller()`: whether the function that raised the event being audited is one of
    `callers` (looking through `helpers`, ctypes' own wrappers among them, and torch.jit's
    one-frame lookup), each table `{code id: ids of its globals}` (`_genuine`), while the
    frame walkers are whole (`_pinned`); plus who asked last, for the refusal's message. Only
    C code runs while the hook is open, and no garbage collection."""
    import gc

    as_str, kind, identity = str.__str__, type, id
    get_frame = sys._getframe
    asker, asker_file = [""], [""]  # who asked last, for the refusal's message

    gc_disable, gc_enable, gc_enabled = gc.disable, gc.enable, gc.isenabled
    shallow, int_type, empty = _shallow_helpers(), int, ()
    me, trust, distrust = _thread.get_ident, set.add, set.discard
    pins = _pinned()

    def genuine(frame, table: dict) -> bool:
        """Whether `frame` runs a function of `table`: its code, with that function's globals."""
        return identity(frame.f_globals) in table.get(identity(frame.f_code), empty)

    def walkers_whole() -> bool:
        for namespace, key, value in pins:
            if namespace.get(key, pins) is not value:
                return False
        return True

    def trusted_caller() -> bool:
        was = gc_enabled()
        gc_disable()
        trust(trusted, me())
        try:
            frame = get_frame(2)
            for _ in (1, 2, 3, 4, 5, 6):  # look through helpers and ctypes' own wrappers
                leak = genuine(frame, shallow)
                if leak:
                    # torch.jit resolves names one frame up; deeper would reach the runner.
                    depth = frame.f_locals.get("frames_up")
                    if kind(depth) is not int_type or depth > 1:
                        return False
                if not (leak or genuine(frame, helpers)) or frame.f_back is None:
                    break
                frame = frame.f_back
            code = frame.f_code
            asker[0] = as_str(code.co_name) + " in " + as_str(code.co_filename)
            asker_file[0] = as_str(code.co_filename)
            return genuine(frame, callers) and walkers_whole()
        finally:
            frame = None
            distrust(trusted, me())
            if was:
                gc_enable()

    return trusted_caller, asker, asker_file


def _make_hook(
    allow: frozenset[str],
    trusted: list,
    callers: dict,
    helpers: dict,
    protected_types: set[int],
    torch_library: tuple | None = None,
    zygote_codes: frozenset[int] = frozenset(),
    threads_api: tuple = (None, 0, [False], [False]),
    call_check: list | None = None,
    known_types: set | None = None,
    eval_frame_api: tuple = (None, None, ()),
) -> object:
    """The audit hook: a closure over captured C functions only (see the module docstring).
    `threads_api`: the real thread starter, the code of the runner's thread body, and the
    `alone` and `forking` flags that `fork_alone` sets. `call_check`: [what CALL_EVENT runs].
    `eval_frame_api`: see `_install_eval_frame_gates`."""
    (set_eval_frame, eval_frame_callback), compiler_callback, compiler_converters = (
        eval_frame_api if eval_frame_api[0] is not None else ((None, None), None, ()))
    eval_frame_event, attribute_of, dict_get = EVAL_FRAME_EVENT, object.__getattribute__, dict.get
    bool_type, dict_type, current_callback = bool, dict, CURRENT_CALLBACK
    _, make_library, torch_namespaces = torch_library or (None, None, frozenset())
    start_thread, runner_code, alone, forking = threads_api
    threads = "threads" in allow or "processes" in allow
    thread_event, me, main_thread = THREAD_EVENT, _thread.get_ident, _thread.get_ident()
    call_event, call_check = CALL_EVENT, [None] if call_check is None else call_check
    known_types = set() if known_types is None else known_types
    as_str = str.__str__
    split_first = str.partition
    starts = str.startswith
    function_type, str_type, bytes_type = types.FunctionType, str, bytes
    processes, loopback = "processes" in allow, "loopback" in allow
    resolve = _resolver()
    always, frames, code_attributes = ALWAYS_REFUSED, FRAME_ATTRIBUTES, CODE_ATTRIBUTES
    refused_imports, process_events, path_events = REFUSED_IMPORTS, PROCESS_EVENTS, PATH_EVENTS
    refused, frame_refused, kind, int_type = Refused, FrameRefused, type, int
    is_subclass, module_type, type_type = issubclass, types.ModuleType, type
    library_event, list_append, int_of = LIBRARY_EVENT, list.append, int.__index__
    code_of = types.FunctionType.__dict__["__code__"].__get__
    caller_events = frozenset(
        {
            "sys._getframe",
            "sys.settrace",
            "sys.setprofile",
            "object.__setattr__",
            "object.__delattr__",
        }
    )

    # Installed packages set their own functions' code and defaults (as they load, or to
    # decorate); the snapshot puts back those of every module a test relies on anyway.
    library_roots = tuple(_library_roots())
    trusted_caller, asker, asker_file = _caller_check(trusted, callers, helpers)

    # Reading the sandbox's own host name (its UTS namespace) or resolving one reaches no network:
    # TensorBoard names its event files after the host.
    local_socket_events = frozenset({"socket.getaddrinfo", "socket.gethostname"})
    identity = id
    set_events = frozenset({"object.__setattr__", "object.__delattr__"})
    # Memory maps are shared memory, which the data-segment limit does not count: the maps made
    # with Python's `mmap` (anonymous ones, or over a file such as a memfd) get that limit as
    # their budget, added up over the child's life.
    mapped, map_budget = [0], resource.getrlimit(resource.RLIMIT_DATA)[0]
    file_size = posix.fstat
    if map_budget < 0:  # RLIM_INFINITY: no limit set (the fallback without limits in tests)
        map_budget = 1 << 62

    def start(function, arguments, keywords, started) -> None:
        if alone[0]:
            raise refused("starting a thread while the grader decides the verdict is not allowed")
        runners = kind(function) is function_type and identity(code_of(function)) == runner_code
        if not threads and not runners:
            raise refused("starting a thread is not available while grading")
        keywords = {} if keywords is None else keywords
        list_append(started, start_thread(function, arguments, keywords))

    def set_frame_evaluator(callback):
        """torch's `set_eval_frame`, for no callback or the one its compiler makes only."""
        if callback is None or kind(callback) is bool_type:
            return set_eval_frame(callback)
        if compiler_callback is not None and kind(callback) is compiler_callback:
            held = attribute_of(callback, "__dict__")
            held = held if kind(held) is dict_type else {}
            converter = dict_get(held, "_torchdynamo_orig_backend")
            for known in compiler_converters:  # by identity: no code of the student's runs here
                if kind(converter) is known:
                    return set_eval_frame(callback)
        raise refused(
            "installing a frame evaluator is not available while grading (torch.compile, "
            "torch.cond and torch.export install their own)"
        )

    def hook(event, args):
        if me() in trusted:
            return
        event = as_str(event)
        if event == thread_event:
            start(*args)
            return
        if event == eval_frame_event:
            callback, result = args
            if kind(callback) is str_type and callback == current_callback:
                current = eval_frame_callback()
                # whether one is installed, never torch's own object to change
                list_append(result, current if current is None or kind(current) is bool_type
                            else True)
            else:
                list_append(result, set_frame_evaluator(callback))
            return
        if event == call_event:
            check = call_check[0]
            if check is not None:
                check()  # untrusted: it runs no student code, and needs no more than it has
            return
        if event == "os.fork" and forking[0] and me() == main_thread:
            forking[0] = False  # `fork_alone`'s own fork, made on the runner's thread
            return
        if event in set_events and identity(args[0]) in protected_types:
            raise refused(
                "the grader's own classes, and the metaclasses of the classes tests rely on, "
                "keep their special attributes while grading"
            )
        checked = event in caller_events or starts(event, "ctypes.")
        # Library code may read a traceback's frames for its error message (none reaches the
        # student: a library function that hands a frame back counts as its caller).
        checked = checked or (event == "object.__getattr__" and as_str(args[1]) in frames)
        if (
            event in set_events
            and kind(args[0]) is function_type
            and as_str(args[1]) in code_attributes
            and identity(code_of(args[0])) in zygote_codes
        ):
            # A function the zygote holds (the grader's, a library's) keeps its code and
            # defaults, whoever asks: a library's generic setter can be handed anything.
            raise refused("changing the code of the grader's or a library's function is not "
                          "allowed while grading")
        if checked and trusted_caller():
            return
        if event in always:
            if event == "sys._getframe":
                raise frame_refused(
                    "the call stack is not available while grading (asked by " + asker[0] + ")"
                )
            raise refused(f"{event} is not available while grading")
        if event == "object.__getattr__":
            name = as_str(args[1])
            if name in frames:
                raise refused(f"frame access ({name}) is not available while grading")

        elif event in ("object.__setattr__", "object.__delattr__"):
            if as_str(args[1]) == "__class__" and (
                is_subclass(kind(args[0]), module_type) or is_subclass(kind(args[0]), type_type)
            ):  # trusted code reads and writes modules and classes: their type decides how
                raise refused("changing the class of a module or of a class is not allowed "
                              "while grading")
            if as_str(args[1]) == "__bases__" and identity(args[0]) in known_types:
                raise refused("changing the bases of a library's class is not allowed while "
                              "grading")
            if as_str(args[1]) == "__class__" and identity(kind(args[0])) in known_types:
                raise refused("changing the class of a library class's object is not allowed "
                              "while grading")
            if (
                kind(args[0]) is function_type
                and as_str(args[1]) in code_attributes
                and not starts(asker_file[0], library_roots)
            ):  # a function made since the zygote: only a library's code changes it
                raise refused(
                    "changing a function's code is not allowed while grading (by " + asker[0] + ")"
                )
        elif event == library_event and make_library is not None:
            which, namespace, key, file, line, made = args
            which, namespace = as_str(which), as_str(namespace)
            if namespace in torch_namespaces and which != "DEF":
                raise refused(
                    f"registering kernels for torch's own operators ({namespace}) is not "
                    "allowed while grading"
                )
            library = make_library(which, namespace, as_str(key), as_str(file), int_of(line))
            list_append(made, library)
        elif event == "import":
            if split_first(as_str(args[0]), ".")[0] in refused_imports:
                raise refused(f"importing {as_str(args[0])} is not allowed while grading")
        elif starts(event, "ctypes."):
            raise refused("ctypes is not available while grading (asked by " + asker[0] + ")")
        elif event == "mmap.__new__":
            fileno, length = args[0], args[1]
            if length == 0 and kind(fileno) is int_type and fileno >= 0:
                length = file_size(fileno).st_size  # 0 maps the whole file
            mapped[0] += length if kind(length) is int_type else 0
            if mapped[0] > map_budget:
                raise refused("memory maps past the submission's memory limit are not allowed")
        elif event in process_events:
            if not processes:
                raise refused(f"{event} (a new process or a signal) is not allowed here")
            if alone[0]:
                raise refused(f"{event} while the grader decides the verdict is not allowed")
        elif starts(event, "socket.") and not loopback and event not in local_socket_events:
            raise refused(f"{event}: this lesson uses no network")
        elif event in path_events and args:
            path = args[0]
            if kind(path) is str_type or kind(path) is bytes_type:
                if resolve(path):
                    raise refused("the grader's process files are not available")

    return hook


def _resolver():
    """A function telling whether a path leads into /proc/<pid>, /proc/self or /dev/mem."""
    getcwd, readlink, lstat, fsdecode = posix.getcwd, posix.readlink, posix.lstat, str
    S_IFMT, S_IFLNK = 0o170000, 0o120000
    as_str, as_bytes = str.__str__, bytes.decode
    length, bytes_type, link_limit, kind = len, bytes, MAX_LINKS, type

    def forbidden_parts(parts: list[str]) -> bool:
        if length(parts) >= 2 and parts[0] == "proc":
            return parts[1] in ("self", "thread-self") or parts[1].isdigit()
        return length(parts) >= 2 and parts[0] == "dev" and parts[1] in ("mem", "kmem", "port")

    def resolve(path) -> bool:
        text = as_bytes(path, "utf-8", "replace") if kind(path) is bytes_type else as_str(path)
        if not text.startswith("/"):
            text = getcwd() + "/" + text
        pending = [p for p in text.split("/") if p]
        parts: list[str] = []
        hops = 0
        while pending:
            part = pending.pop(0)
            if part == ".":
                continue
            if part == "..":
                parts = parts[:-1]
                continue
            parts.append(part)
            if forbidden_parts(parts):
                return True
            try:
                is_link = (lstat("/" + "/".join(parts)).st_mode & S_IFMT) == S_IFLNK
            except OSError:
                is_link = False
            if is_link and hops < link_limit:
                hops += 1
                target = fsdecode(readlink("/" + "/".join(parts)))
                parts = [] if target.startswith("/") else parts[:-1]
                pending = [p for p in target.split("/") if p] + pending
        return forbidden_parts(parts)

    return resolve

"""The method registry names every handler lazily: building it imports no method code, resolving works."""

from __future__ import annotations

import inspect
import subprocess
import sys

from mailx.server.registry import METHODS, LazyHandler, registry


def test_every_entry_resolves_to_a_function_taking_call_and_arguments() -> None:
    for spec in registry():
        assert isinstance(spec.handler, LazyHandler)
        function = spec.handler.resolve()
        assert callable(function), spec.name
        assert len(inspect.signature(function).parameters) == 2, spec.name


def test_the_list_has_each_name_once_and_only_echo_needs_no_account() -> None:
    names = [name for name, *_ in METHODS]
    assert len(names) == len(set(names)) == len(registry())
    assert [spec.name for spec in registry() if not spec.needs_account] == ["Core/echo"]
    assert {spec.name for spec in registry() if spec.writes} == {
        name for name in names if name.endswith(("/set", "/copy", "/import", "/upload"))
    }


def test_building_the_registry_and_capabilities_imports_no_method_module() -> None:
    probe = (
        "import sys\n"
        "from mailx.server.capabilities import account_capabilities\n"
        "from mailx.server.registry import registry\n"
        "registry(); account_capabilities()\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('mailx.methods.') and m.count('.') > 2)\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = [m for m in done.stdout.strip().split(",") if m]
    # Submission's capability object needs its rules module; nothing else is imported up front.
    assert loaded == ["mailx.methods.submission.rules"]

"""The method registry names every handler lazily: building it imports no method code, resolving works."""

from __future__ import annotations

import inspect
import subprocess
import sys

from mailx.server.method_table import METHODS, LazyHandler, registry
from tests.helpers.paths import REPO


def test_every_entry_resolves_to_a_function_taking_call_and_arguments() -> None:
    for spec in registry():
        assert isinstance(spec.handler, LazyHandler)
        function = spec.handler.resolve()
        assert callable(function), spec.name
        assert len(inspect.signature(function).parameters) == 2, spec.name


def test_the_list_has_each_name_once_and_only_echo_and_push_subscriptions_need_no_account() -> None:
    names = [name for name, *_ in METHODS]
    assert len(names) == len(set(names)) == len(registry())
    # PushSubscription belongs to the credentials, not to an account (RFC 8620 §7.2.1)
    assert [spec.name for spec in registry() if not spec.needs_account] == [
        "Core/echo",
        "PushSubscription/get",
        "PushSubscription/set",
    ]
    assert {spec.name for spec in registry() if spec.writes} == {
        name for name in names if name.endswith(("/set", "/copy", "/import", "/upload"))
    }


def test_building_the_registry_and_capabilities_imports_no_method_module() -> None:
    probe = (
        "import sys\n"
        "from mailx.server.capability_values import account_capabilities\n"
        "from mailx.server.method_table import registry\n"
        "registry(); account_capabilities()\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('mailx.methods.') and m.count('.') > 2)\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = [m for m in done.stdout.strip().split(",") if m]
    # Submission's capability object needs its rules module; nothing else is imported up front.
    assert loaded == ["mailx.methods.email_submission._rules"]


def test_method_modules_are_the_registered_ones_and_helpers_start_with_an_underscore() -> None:
    """methods/<object>/<method>.py holds one registered method; anything else there is a helper
    module named _<name>.py, so a reader tells them apart at a glance."""
    package = REPO / "layers" / "shared" / "mailx" / "methods"
    registered = {target.partition(":")[0] for _, _, target, _ in METHODS}
    public = {
        "mailx.methods." + ".".join(path.relative_to(package).with_suffix("").parts)
        for path in package.glob("*/*.py")
        if not path.name.startswith("_")
    }
    assert public == registered

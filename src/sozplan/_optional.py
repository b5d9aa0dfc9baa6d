"""Optional dependencies: imported when a function needs them, with a message naming the extra.

Importing sozplan and its public modules never needs an optional package. A function
that does calls :func:`import_optional`, which raises
:class:`~sozplan.errors.MissingDependencyError` naming the function the user called,
what needs the package and the ``pip install "sozplan[extra]"`` line that installs it.
"""

from __future__ import annotations

import importlib
from types import MappingProxyType, ModuleType

from sozplan.errors import MissingDependencyError

__all__: list[str] = []

#: The user extras of pyproject.toml: import name -> (distribution name, extra).
OPTIONAL: MappingProxyType[str, tuple[str, str]] = MappingProxyType(
    {
        "spopt": ("spopt", "regions"),
        "spopt.region": ("spopt", "regions"),
        "spopt.locate": ("spopt", "services"),
        "pulp": ("PuLP", "services"),
        "distributed": ("distributed", "dask"),
    }
)


def import_optional(
    module: str, *, where: str, purpose: str, alternative: str | None = None
) -> ModuleType:
    """Import an optional module or raise a message that names the extra to install.

    Parameters
    ----------
    module : str
        Import name, a key of ``OPTIONAL`` (e.g. ``"spopt.region"``).
    where : str
        The public function the user called, e.g. ``"regionalize"``.
    purpose : str
        What needs the package, e.g. ``"method='maxp'"``.
    alternative : str, optional
        What to do instead of installing, e.g. ``"use method='ward'"``.

    Returns
    -------
    module
        The imported module.

    Raises
    ------
    MissingDependencyError
        The package is not installed.

    Examples
    --------
    >>> import_optional("pulp", where="propose_sites", purpose="the solver").__name__
    'pulp'
    """
    package, extra = OPTIONAL[module]
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        fix = f'pip install "sozplan[{extra}]"'
        if alternative:
            fix += f", or {alternative}"
        raise MissingDependencyError(
            f"{where}: {purpose} needs the optional package {package}, which is not installed. "
            f"Fix: {fix}."
        ) from exc

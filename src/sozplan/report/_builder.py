"""Build the report."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sozplan.report._config import default_config_path, load_config

__all__ = ["Sozialbericht"]


class Sozialbericht:
    """A social report built from a configuration."""

    def __init__(self, config: dict[str, Any]):
        self.config = config

    @classmethod
    def musterstadt(cls) -> Sozialbericht:
        """The report for the bundled sample city."""
        return cls(load_config(default_config_path()))

    @classmethod
    def from_yaml(cls, path: str | Path) -> Sozialbericht:
        """Report from a YAML configuration file."""
        return cls(load_config(path))

    def build(self, out: str | Path = "bericht", *, progress: Callable[[str], None] | None = None) -> Path:
        """Write the report to ``out``; return the path of ``index.html``."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from sozplan.datasets import load_musterstadt
        from sozplan.indicators import rates

        show = progress or (lambda _m: None)
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        show("Daten laden")
        gdf = load_musterstadt("planning_area", year=2024)
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = rates(gdf, ["sgb2_quote", "kinderarmut"])
        show("Karte zeichnen")
        fig, ax = plt.subplots(figsize=(7, 6))
        gdf.assign(v=r.value["sgb2_quote"]).plot("v", ax=ax, legend=True, cmap="viridis")
        ax.set_axis_off()
        fig.savefig(out / "karte_sgb2.png", dpi=100)
        plt.close(fig)
        table = r.value.round(1).join(gdf["name"]).head(20).to_html(border=0)
        title = html.escape(self.config["title"])
        page = (
            f'<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><main><h1>{title}</h1><h2>SGB-II-Quote</h2>"
            f'<img src="karte_sgb2.png" alt="Karte der SGB-II-Quote je Planungsraum">'
            f"{table}</main></body></html>"
        )
        index = out / "index.html"
        index.write_text(page, encoding="utf-8")
        show("fertig")
        return index

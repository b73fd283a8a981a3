"""sphinx-gallery helpers: capture the Figures varpy's plotting functions return.

varpy draws on :class:`matplotlib.figure.Figure` objects directly (never through pyplot), so the
stock matplotlib scraper, which looks at pyplot's open figures, does not see them. This scraper
saves every Figure bound to a name in the example's namespace that it has not saved before.
"""
from __future__ import annotations

_SEEN = "__varpy_gallery_seen__"


def figure_scraper(block, block_vars, gallery_conf):
    from matplotlib.figure import Figure
    from sphinx_gallery.scrapers import figure_rst

    namespace = block_vars["example_globals"]
    seen = namespace.setdefault(_SEEN, set())
    paths = []
    images = block_vars["image_path_iterator"]
    for value in list(namespace.values()):
        if isinstance(value, Figure) and id(value) not in seen:
            seen.add(id(value))
            path = next(images)
            value.savefig(path, dpi=96)
            paths.append(path)
    return figure_rst(paths, gallery_conf["src_dir"])


def reset_figures(gallery_conf, fname):
    """Nothing global to reset (each example has a fresh namespace); kept for symmetry."""
    return None

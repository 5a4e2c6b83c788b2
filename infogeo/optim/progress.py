"""The progress bar of a run: one tqdm bar per run, shown complete when the run ends.

A run usually stops long before ``max_iter``, so at the end the bar's total becomes the
number of iterations run (``n/n``, 100 %). ``tqdm.auto`` gives a widget in a notebook,
whose maximum is fixed when it is built (left alone it stays at ``n/max_iter``, e.g.
0/500 for a fit whose start is already the MLE); ``reset(total)`` is tqdm's public way
to change it, so the widget is reset to the new total and brought back to ``n`` with its
start time kept (in a terminal, the total is simply set). tqdm's own settings
(environment variables such as ``TQDM_DISABLE``,
``TQDM_LEAVE``, ``TQDM_MININTERVAL``) apply as usual.
"""

from __future__ import annotations

__all__ = ["close_progress_bar", "progress_bar", "require_tqdm"]


def require_tqdm() -> None:
    """Raise ``ImportError`` naming the extra to install when tqdm is missing."""
    try:
        import tqdm  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            "progress=True needs the optional dependency tqdm: pip install 'infogeo[progress]' "
            "(or pip install tqdm)"
        ) from exc


def progress_bar(total: int, fun: float | None = None, grad_norm: float | None = None):
    """A ``tqdm.auto`` bar of ``total`` iterations, showing ``fun`` and the gradient
    norm at the start (so a run that stops before its first step shows them too)."""
    from tqdm.auto import tqdm

    bar = tqdm(total=total, desc="minimize", unit="it")
    if fun is not None and grad_norm is not None:
        update_progress_bar(bar, fun, grad_norm, advance=0)
    return bar


def update_progress_bar(bar, fun: float, grad_norm: float, advance: int = 1) -> None:
    """Count ``advance`` iterations and show the current ``fun`` and gradient norm."""
    if advance:
        bar.update(advance)
    bar.set_postfix(fun=f"{fun:.6g}", grad_norm=f"{grad_norm:.3g}")


def close_progress_bar(bar) -> None:
    """Show ``bar`` complete at the iterations run (total = n) and close it."""
    n = bar.n
    if bar.total != n and not getattr(bar, "disable", False):
        if hasattr(bar, "container"):  # a notebook widget: its maximum changes by reset
            start, postfix = getattr(bar, "start_t", None), bar.postfix
            bar.reset(total=n)
            if start is not None:
                bar.start_t = start  # keep the elapsed time and rate of the run
            bar.postfix = postfix
            bar.update(n)
        else:
            bar.total = n
            bar.refresh()
    bar.close()

"""Which trace a scene draws: the demo by default, or a saved ``.npz``; which step, units, language.

Scenes never compute LSTM maths. They read a :class:`SceneSource`, which holds one sample of a
recorded :class:`~explainer.trace.SequenceTrace` (narrowed to a few units) and the time step to show.

Where it comes from, first match wins:

1. a source set on the scene class (``lstm-explainer render`` and the tests do this);
2. environment variables, so plain ``manim -qh animations/scenes.py ForgetGate`` works::

       LSTM_EXPLAINER_TRACE=trace.npz   a saved trace (default: the demo LSTM, explainer.demo.demo_trace())
       LSTM_EXPLAINER_STEP=5            time step (default: where the forget gate closes most)
       LSTM_EXPLAINER_UNITS=3           keep the K most active units (default: all if ≤ 4, else the 4 most active)
       LSTM_EXPLAINER_SAMPLE=0          which sequence of the batch
       LSTM_EXPLAINER_LANG=zh           en (default) or zh
"""
from __future__ import annotations
from explainer.errors import InputError

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from explainer.glossary import check_lang
from explainer.presentation import CJK_FONTS, LATIN_FONTS, unit_name
from explainer.trace import SequenceTrace

#: More units than this do not fit on a 16:9 frame as readable numbers.
MAX_UNITS = 8
#: Units shown when the caller does not choose.
DEFAULT_UNITS = 4
#: Input features shown before the x_t column is cut with "…".
MAX_FEATURES = 6


class MissingFontError(RuntimeError):
    """Chinese captions were asked for but no CJK font is installed (they would render as boxes)."""


@dataclass
class SceneSource:
    """One sample of a trace, narrowed, plus the step and the language of the captions.

    ``trace`` has batch 1 and at most :data:`MAX_UNITS` units; ``t`` is a non-negative step index.
    ``total_units`` is the layer's width before narrowing (for "units 3, 7 of 16" captions).
    """

    trace: SequenceTrace
    t: int
    lang: str = "en"
    total_units: int = 0
    name: str = "demo"
    scales: dict[str, float] = field(default_factory=dict)

    @property
    def units(self) -> int:
        return self.trace.units

    def value(self, key: str, t: int | None = None) -> np.ndarray:
        """Recorded values of ``key`` at step ``t`` (default: the scene's step), shape (units,) or (input_dim,).

        ``key`` is a trace field (``"f"``, ``"c_prev"``, …), ``"z_i"``/``"z_f"``/``"z_c"``/``"z_o"``
        for a gate's weighted sum, or one of the two products the cell adds up, ``"f*c_prev"`` and
        ``"i*g"`` (the trace's ``kept`` and ``written``, whose sum is the recorded c).
        """
        t = self.t if t is None else t
        tr = self.trace
        if key.startswith("z_"):
            return tr.z_block(key[2:])[0, t]
        if key == "f*c_prev":
            return tr.kept[0, t]
        if key == "i*g":
            return tr.written[0, t]
        return getattr(tr, key)[0, t]

    def label(self, t: int | None = None) -> str | None:
        """The step's label from ``meta["labels"]`` (a word, a date), if the trace has one per step."""
        t = self.t if t is None else t
        labels = self.trace.meta.get("labels")
        if isinstance(labels, (list, tuple)) and len(labels) == self.trace.time:
            return str(labels[t])
        return None

    def unit_names(self, lang: str | None = None) -> list[str]:
        """The name of each shown unit in ``lang`` (default: the source's): ``meta["unit_names"]``
        glossary-translated where it names them, else "unit 7" (:func:`explainer.presentation.unit_name`)."""
        return [unit_name(self.trace.meta, k, lang or self.lang) for k in self.trace.unit_index.tolist()]

    def feature_names(self) -> list[str] | None:
        """Names of the input features (``meta["features"]``) when there is one per input column."""
        names = self.trace.meta.get("features")
        if isinstance(names, (list, tuple)) and len(names) == self.trace.input_dim:
            return [str(n) for n in names]
        return None

    def scale(self, key: str) -> float:
        """One fixed colour scale per quantity across all frames (max |value| over the whole trace)."""
        return self.scales.get(key, 1.0)


def default_step(trace: SequenceTrace, sample: int = 0) -> int:
    """The step where the forget gate closes most (mean over units): where something gets forgotten.

    For the demo story this is "polluted".
    """
    return int(np.argmin(trace.f[sample].mean(axis=-1)))


def make_source(trace: SequenceTrace | str | Path | None = None, step: int | None = None,
                units: int | None = None, lang: str = "en", sample: int = 0) -> SceneSource:
    """Build a :class:`SceneSource`: load/validate the trace, pick one sample, narrow, resolve the step.

    ``units``: keep the ``units`` most active units (``trace.most_active``); default all of them if the
    layer has at most :data:`DEFAULT_UNITS`, else the :data:`DEFAULT_UNITS` most active.
    """
    check_lang(lang)
    name = "demo"
    if trace is None:
        from explainer.demo import demo_trace
        trace = demo_trace()
    elif isinstance(trace, (str, Path)):  # a named source ("demo", "story") or a saved .npz (validated on load)
        from explainer.sources import trace_source
        name = Path(trace).stem
        trace = trace_source(trace, lang=lang)
    elif not isinstance(trace, SequenceTrace):
        raise InputError(f"expected a SequenceTrace or a path to a saved .npz trace, got {type(trace).__name__}")
    else:
        name = str(trace.meta.get("source", trace.layer))
    if not -trace.batch <= sample < trace.batch:
        raise InputError(f"sample {sample} is out of range; this trace holds {trace.batch} sequences "
                         f"(0..{trace.batch - 1})")
    total = int(trace.weights["recurrent_kernel"].shape[0]) if "recurrent_kernel" in trace.weights \
        else int(trace.unit_index.max()) + 1
    one = trace.sample(sample)
    _check_drawable(one, sample)
    if units is not None:
        units = int(units)
        if not 1 <= units <= MAX_UNITS:
            raise InputError(f"--units {units}: choose 1..{MAX_UNITS} (more units do not fit on screen)")
    elif one.units > DEFAULT_UNITS:
        units = DEFAULT_UNITS
    if units is not None and units < one.units:
        one = one.narrow(one.most_active(units))
    elif one.units > MAX_UNITS:
        one = one.narrow(one.most_active(MAX_UNITS))
    if step is None:
        t = default_step(one)
    else:
        step = int(step)
        if not -one.time <= step < one.time:
            raise InputError(f"--step {step} is out of range; this trace has {one.time} steps (0..{one.time - 1})")
        t = step % one.time
    scales = {}
    for key in ("c", "c_prev", "h", "h_prev", "x", "z"):
        m = float(np.abs(getattr(one, key)).max()) if getattr(one, key).size else 0.0
        scales[key] = m if m > 1e-6 else 1.0
    scales["c_prev"] = scales["c"] = max(scales["c"], scales["c_prev"])  # one scale for the cell state
    return SceneSource(trace=one, t=t, lang=lang, total_units=total, name=name, scales=scales)


def _check_drawable(one: SequenceTrace, sample: int) -> None:
    """Refuse what the scenes cannot draw truthfully: skipped (masked) steps and non-standard activations.

    Every scene draws σ gates, a tanh candidate and a cell update at every step; a masked step (h and c
    carried over) or a layer with other activations would be drawn with equations its numbers do not satisfy.
    """
    if one.mask is not None and not np.all(one.mask):
        skipped = np.flatnonzero(~np.asarray(one.mask[0], bool)).tolist()
        shown = ", ".join(map(str, skipped[:8])) + (", …" if len(skipped) > 8 else "")
        raise InputError(f"sample {sample} of this trace skips time steps {shown} (masked); the videos draw every "
                         "step as computed. Choose a sample without padding (--sample), trace the sequence "
                         "without its padding, or open it with `lstm-explainer export-html`, which shows skipped steps")
    for key, standard in (("activation", "tanh"), ("recurrent_activation", "sigmoid")):
        name = one.meta.get(key, standard)
        if name != standard:
            raise InputError(f"this trace's layer uses {key}={name!r}; the videos draw the standard LSTM "
                             f"({key}={standard!r}). Open it with `lstm-explainer export-html`, which names the "
                             "layer's own activations")


def source_from_env() -> SceneSource:
    """The source named by the ``LSTM_EXPLAINER_*`` environment variables (see module docstring)."""
    env = os.environ

    def _int(name: str) -> int | None:
        v = env.get(name)
        if v in (None, ""):
            return None
        try:
            return int(v)
        except ValueError:
            raise InputError(f"{name} must be an integer, got {v!r}") from None

    return make_source(env.get("LSTM_EXPLAINER_TRACE") or None, step=_int("LSTM_EXPLAINER_STEP"),
                       units=_int("LSTM_EXPLAINER_UNITS"), lang=env.get("LSTM_EXPLAINER_LANG", "en"),
                       sample=_int("LSTM_EXPLAINER_SAMPLE") or 0)


# --- fonts ----------------------------------------------------------------------

#: Sans fonts tried for English (Pango's default is often a serif); "" lets Pango choose.


def _families() -> set[str]:
    import manimpango
    return set(manimpango.list_fonts())


def installed_cjk_families() -> list[str]:
    """Font families that cover Chinese, as ``fc-list :lang=zh`` reports them (empty if none)."""
    if shutil.which("fc-list") is None:
        import manimpango  # manim's own font list, when fontconfig's tool is absent
        return [f for f in manimpango.list_fonts() if any(k in f for k in ("CJK", "Han", "WenQuanYi", " SC"))]
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
    return sorted({fam.strip() for line in out.splitlines() for fam in line.split(",") if fam.strip()})


@lru_cache(maxsize=None)
def font_for(lang: str) -> str:
    """The font family for captions in ``lang``; for Chinese, a CJK font or :class:`MissingFontError`.

    English uses Pango's default sans. Chinese must name a CJK font explicitly: without one Pango
    silently draws empty boxes, which is worse than an error.
    """
    if lang != "zh":
        families = _families()
        return next((f for f in LATIN_FONTS if f in families), "")
    families = installed_cjk_families()
    for want in CJK_FONTS:
        if want in families:
            return want
    if families:
        return families[0]
    raise MissingFontError("Chinese captions (--lang zh) need a CJK font and none is installed "
                           "(`fc-list :lang=zh` lists nothing), so the text would render as boxes. "
                           "Install one: sudo apt-get install fonts-noto-cjk   (or render with --lang en)")

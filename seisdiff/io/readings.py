"""The versions of how a store's records were read: their component names (`components.COMPONENT_READING_VERSION`)
and, in three-component records, their channels' placing in time (TRIPLET_ALIGNMENT_VERSION). Training stores record
both when `preprocess` makes them; `other_component_reading` says, for `preprocess` appending, `train`, `verify` and
`sample --cond STORE`, where a store's differ from this seisdiff's (stored records are never rewritten)."""
from seisdiff.io.components import COMPONENT_READING_VERSION

# how `preprocess.groups.triplet_groups` places three traces in one record, by version (bump it by adding its line when
# `groups.aligned` places them otherwise); TRIPLET_ALIGNMENT_VERSION, the last, is this seisdiff's. A 3-component
# conditioning cache of another is made again (`preprocess.whole.made_from`); a 3-component training store records it
# (STORE_ALIGNMENT_ATTR). The lines saying two differ name each one's placing (`triplet_alignment`)
TRIPLET_ALIGNMENTS = {1: "cut to the shortest from their first samples",
                      2: "aligned on their common time span"}
TRIPLET_ALIGNMENT_VERSION = max(TRIPLET_ALIGNMENTS)
# The attributes of a training store holding the version its records' components were read with and, in a
# three-component one, the version its triplets were placed in time with, written when `preprocess` makes it
# (`other_component_reading`: appending to it, training on it, sampling from it or verifying it under another reading
# says so in one line; stored records are not rewritten)
STORE_READING_ATTR = "component_reading"
STORE_ALIGNMENT_ATTR = "triplet_alignment"


def reading_versions(n_channels: int) -> dict:
    """The versions a store of n_channels records its records were read with: {STORE_READING_ATTR: the component
    reading's, and for three components STORE_ALIGNMENT_ATTR: the triplet alignment's} (a training store's
    attributes, `preprocess.run`; part of a conditioning cache's key, `preprocess.whole.made_from`)."""
    return {STORE_READING_ATTR: COMPONENT_READING_VERSION,
            **({STORE_ALIGNMENT_ATTR: TRIPLET_ALIGNMENT_VERSION} if n_channels == 3 else {})}


def other_component_reading(attrs: dict) -> str | None:
    """How a training store's records had their channels read otherwise than this seisdiff reads them, as clauses
    following "its records' ": their components read from their channel names with another version
    (COMPONENT_READING_VERSION; attribute STORE_READING_ATTR), their three channels placed in time with another
    version (TRIPLET_ALIGNMENT_VERSION; STORE_ALIGNMENT_ATTR, three-component stores only), or either by an older
    seisdiff that did not record it; each with this seisdiff's version and what it changes. None where alike, and for
    stores `preprocess` did not make (a `preprocess` attribute; not `simulate`'s, nor `sample`'s outputs and
    whole-record conditioning, which records both itself: `preprocess.whole.made_from`)."""
    if "preprocess" not in attrs or attrs.get("whole_records") or "sampling" in attrs:
        return None
    said = [_other_reading(attrs.get(STORE_READING_ATTR))]
    if len(attrs.get("channels") or []) == 3:
        # stores first recorded their reading (0f3fb1d) after their triplets were aligned (3df2be8): version 2
        said.append(_other_alignment(attrs.get(STORE_ALIGNMENT_ATTR, 2 if STORE_READING_ATTR in attrs else None)))
    return "; their ".join(line for line in said if line) or None


def _other_reading(version) -> str | None:
    if version == COMPONENT_READING_VERSION:
        return None
    hn3 = " (an ESM HN3 was 'H' before version 2, '?' since)"
    how = ("by an older seisdiff, which did not record its version of the reading" + hn3 if version is None else
           f"with version {version}" + (hn3 if isinstance(version, int) and version < 2 else ""))
    return (f"components were read from their channel names {how}, this seisdiff's with version "
            f"{COMPONENT_READING_VERSION}: the same name may give another `component` (the model's vertical flag; in "
            "3-component records, another channel order)")


def _other_alignment(version) -> str | None:
    if version == TRIPLET_ALIGNMENT_VERSION:
        return None
    how = ("by an older seisdiff, which did not record its version of the triplet alignment" if version is None else
           f"with {triplet_alignment(version)}")
    return (f"three channels were placed in time {how}, this seisdiff's with "
            f"{triplet_alignment(TRIPLET_ALIGNMENT_VERSION)}: where their start times differ, the same files may give "
            "a channel shifted against the others")


def triplet_alignment(version) -> str:
    """'version V (how it places a triplet's channels in time: TRIPLET_ALIGNMENTS)'; 'version V' for one this
    seisdiff does not know (a later seisdiff's)."""
    return f"version {version}" + (f" ({TRIPLET_ALIGNMENTS[version]})" if version in TRIPLET_ALIGNMENTS else "")

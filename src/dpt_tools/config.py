"""Election profiles and configuration (``dpt.toml``).

Election day decides eligibility (17 on voting day) and the TPS limit decides capacity, so both come from a named
profile rather than from the calendar. Precedence: built-in defaults < profile < ``dpt.toml`` < command-line flags.
The config file is looked up as ``--config PATH``, else ``$DPT_CONFIG``, else ``./dpt.toml``.

Keys of ``dpt.toml`` (all optional)::

    profile = "pilkada-2024"          # a built-in profile name
    election_date = "2024-11-27"      # overrides the profile's day
    tps_max = 600                     # overrides the profile's TPS limit
    lang = "id"                       # id | en
    format = "csv"                    # csv | parquet | json (findings); csv | parquet for other outputs
    fail_on = "error"                 # error | warning | never
    [columns]                         # header → canonical field, wins over the alias table
    "NOMOR INDUK" = "nik"

A ``[columns]`` header absent from a file is ignored; a ``--map`` header absent from it is an input error.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import InputError, LocalizedInputError
from .fields import FIELDS, header_key


@dataclass(frozen=True)
class Profile:
    name: str
    election_day: dt.date
    tps_max: int
    description: str


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile("pilkada-ulang-pangkalpinang-2025", dt.date(2025, 8, 27), 600,
                "Pilkada Ulang Kota Pangkalpinang, 27 Agustus 2025"),
        Profile("pilkada-2024", dt.date(2024, 11, 27), 600, "Pilkada Serentak, 27 November 2024"),
        Profile("pemilu-2024", dt.date(2024, 2, 14), 300, "Pemilu, 14 Februari 2024"),
    )
}
DEFAULT_PROFILE = "pilkada-ulang-pangkalpinang-2025"
LANGS = ("id", "en")
FAIL_ON = ("error", "warning", "never")
FORMATS = ("csv", "parquet", "json")


@dataclass(frozen=True)
class Settings:
    """Everything a command needs to know about the election and the output; passed explicitly."""

    profile: str = DEFAULT_PROFILE
    election_day: dt.date = PROFILES[DEFAULT_PROFILE].election_day
    tps_max: int = PROFILES[DEFAULT_PROFILE].tps_max
    lang: str = "id"
    format: str = "csv"
    fail_on: str = "error"
    column_map: dict[str, str] = field(default_factory=dict)
    #: the headers of ``column_map`` given on the command line (``--map``): each must be a header of the input
    #: (see :func:`dpt_tools.load.check_map_headers`); those of ``[columns]`` need not, a shared config names the
    #: headers of many exports
    required_headers: tuple[str, ...] = ()
    mask: bool = True
    config_path: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "election_day": self.election_day.isoformat(),
            "tps_max": self.tps_max,
            "lang": self.lang,
        }


def find_config(explicit: str | os.PathLike[str] | None = None, cwd: Path | None = None) -> Path | None:
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise InputError(f"{path}: config file not found")
        return path
    env = os.environ.get("DPT_CONFIG")
    if env:
        path = Path(env)
        if not path.is_file():
            raise InputError(f"{path}: config file from DPT_CONFIG not found")
        return path
    local = (cwd or Path.cwd()) / "dpt.toml"
    return local if local.is_file() else None


def parse_date(value: str, what: str = "election date") -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise InputError(f"{what} {value!r} is not a date in YYYY-MM-DD form") from exc


def _check_choice(value: str, choices: tuple[str, ...], what: str) -> str:
    if value not in choices:
        raise InputError(f"{what} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _apply(settings: Settings, values: dict[str, Any], origin: str) -> Settings:
    """Apply keys in precedence order: a profile first, then the fields that override it."""
    known = {"profile", "election_date", "tps_max", "lang", "format", "fail_on", "columns", "mask"}
    unknown = set(values) - known
    if unknown:
        raise InputError(f"{origin}: unknown key(s) {', '.join(sorted(unknown))}")
    if values.get("profile") is not None:
        name = str(values["profile"])
        if name not in PROFILES:
            raise InputError(f"{origin}: unknown profile {name!r} (known: {', '.join(PROFILES)})")
        prof = PROFILES[name]
        settings = replace(settings, profile=name, election_day=prof.election_day, tps_max=prof.tps_max)
    if values.get("election_date") is not None:
        settings = replace(settings, election_day=parse_date(values["election_date"]))
    if values.get("tps_max") is not None:
        raw = values["tps_max"]
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            raise InputError(f"{origin}: tps_max must be a whole number")
        try:
            tps_max = int(raw)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{origin}: tps_max must be a whole number") from exc
        if tps_max < 1:
            raise InputError(f"{origin}: tps_max must be positive")
        settings = replace(settings, tps_max=tps_max)
    if values.get("lang") is not None:
        settings = replace(settings, lang=_check_choice(str(values["lang"]), LANGS, "lang"))
    if values.get("format") is not None:
        settings = replace(settings, format=_check_choice(str(values["format"]), FORMATS, "format"))
    if values.get("fail_on") is not None:
        settings = replace(settings, fail_on=_check_choice(str(values["fail_on"]), FAIL_ON, "fail_on"))
    if values.get("mask") is not None:
        if not isinstance(values["mask"], bool):
            raise InputError(f"{origin}: mask must be true or false")
        settings = replace(settings, mask=values["mask"])
    if values.get("columns"):
        cols = values["columns"]
        if not isinstance(cols, dict):
            raise InputError(f"{origin}: [columns] must map header names to fields")
        cols = {str(k): str(v).strip().lower() for k, v in cols.items()}
        for header, fld in cols.items():
            if fld not in FIELDS:
                raise InputError(f"{origin}: column {header!r} maps to unknown field {fld!r}")
        settings = replace(settings, column_map={**settings.column_map, **cols})
    return settings


def parse_map_options(items: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``--map "NOMOR INDUK=nik"`` options → {header: field}. One header (compared as the loader compares them:
    case, spaces and punctuation do not count) mapped to two fields is refused: only one can be meant, and the
    last one given would silently win."""
    out: dict[str, str] = {}
    seen: dict[str, tuple[str, str]] = {}
    for item in items:
        header, sep, fld = item.rpartition("=")
        if not sep or not header.strip():
            raise InputError(f"--map {item!r}: expected HEADER=field")
        fld = fld.strip().lower()
        if fld not in FIELDS:
            raise InputError(f"--map {item!r}: unknown field {fld!r} (fields: {', '.join(FIELDS)})")
        before = seen.setdefault(header_key(header), (header.strip(), fld))
        if before[1] != fld:
            raise LocalizedInputError({
                "en": f"--map {item!r}: the header {before[0]!r} is already mapped to {before[1]} by another --map",
                "id": f"--map {item!r}: kolom {before[0]!r} sudah dipetakan ke {before[1]} oleh --map lain"})
        out[header.strip()] = fld
    return out


def load_settings(config: str | os.PathLike[str] | None = None, **overrides: Any) -> Settings:
    """Defaults, then the config file, then non-None ``overrides`` (the command-line flags). The headers of
    ``columns=`` (``--map``) become ``Settings.required_headers``: a clerk's typo there must stop the run."""
    settings = Settings()
    path = find_config(config)
    if path is not None:
        try:
            values = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: not a valid TOML file ({exc})") from exc
        settings = _apply(settings, values, str(path))
        settings = replace(settings, config_path=str(path))
    flags = {k: v for k, v in overrides.items() if v is not None and v != {} and v != ()}
    settings = _apply(settings, flags, "command line")
    if flags.get("columns"):
        settings = replace(settings, required_headers=tuple(str(h) for h in flags["columns"]))
    return settings

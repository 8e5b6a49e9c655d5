"""Rules on one voter's own data: name, birth date and eligibility on election day, sex, marital status,
disability code, RT/RW, and the structure of the line itself."""

from __future__ import annotations

import string

import numpy as np
import pyarrow as pa

from ..bytescan import byte_class, outside, rows_where, string_buffers, valid_mask
from .base import Context, Hits

#: What clerks type when a name is unknown.
NAME_PLACEHOLDERS = ["-", "--", "---", ".", "..", "...", "X", "XX", "XXX", "?", "NN", "N/A", "NA", "TIDAK ADA",
                     "TANPA NAMA", "NONAME", "0"]
#: A name is letters, spaces and the punctuation seen in real names (H. ST., O'NEIL, bin/binti, commas of degrees).
NAME_OK = r"^[A-Z\x{00C0}-\x{024F} .,'`\-()/]+$"
#: Dukcapil's conventional dates for an unknown birthday (month, day).
PLACEHOLDER_DATES = ((1, 1), (7, 1), (12, 31))
MIN_AGE = 17
MAX_AGE = 110


#: ``NO_LETTER`` and ``NAME_OK`` as byte classes, for names in ASCII (see :func:`_name_checks`)
_ALNUM = byte_class(string.ascii_uppercase + string.digits)
_NOT_NAME_BYTE = outside(byte_class(string.ascii_uppercase + " .,'`-()/"))
NO_LETTER = r"^[^A-Z0-9]*$"


def _name_checks(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """(matches ``NO_LETTER``, matches ``NAME_OK``) for every name, computed once for both name rules.

    The two regexes cost ~50 ms each on a million names; on the bytes the answer is mostly known at once: a name
    whose first byte is a letter or digit cannot match ``NO_LETTER``, and a name made only of bytes of
    ``NAME_OK``'s ASCII characters matches it. The few names left (empty, starting otherwise, holding another
    byte: punctuation, digits, non-ASCII letters) go through the regexes themselves, so the answer is theirs."""

    def make() -> tuple[np.ndarray, np.ndarray]:
        arr = ctx.col("nama")
        if not (isinstance(arr, pa.Array) and pa.types.is_string(arr.type)):
            return ctx.matches("nama", NO_LETTER), ctx.matches("nama", NAME_OK)
        offsets, data = string_buffers(arr)
        valid = valid_mask(arr)
        filled = np.diff(offsets) > 0
        first = np.zeros(len(arr), dtype=np.uint8)
        first[filled] = data[offsets[:-1][filled]]
        no_letter = ctx.matches_at("nama", NO_LETTER, valid & ~_ALNUM[first])
        undecided = valid & (~filled | rows_where(offsets, data, _NOT_NAME_BYTE))
        name_ok = valid & ~undecided
        name_ok |= ctx.matches_at("nama", NAME_OK, undecided)
        return no_letter, name_ok

    return ctx.cached("name_checks", make)


def _name_missing(ctx: Context) -> np.ndarray:
    """Rows without a usable name (shared by both name rules, computed once)."""
    return ctx.cached("name_missing", lambda: ~ctx.present("nama") | ctx.isin("nama", NAME_PLACEHOLDERS)
                      | _name_checks(ctx)[0])


def name_missing(ctx: Context) -> Hits:
    return Hits.from_mask(_name_missing(ctx))


def name_suspicious(ctx: Context) -> Hits:
    odd = ctx.present("nama") & ~_name_checks(ctx)[1] & ~_name_missing(ctx)
    return Hits.from_mask(odd)


def birthdate_invalid(ctx: Context) -> Hits:
    return Hits.from_mask(np.isnat(ctx.roll.dob))


def birthdate_future(ctx: Context) -> Hits:
    dob = ctx.roll.dob
    return Hits.from_mask(~np.isnat(dob) & (dob > ctx.election_day), day=str(ctx.settings.election_day))


def underage(ctx: Context) -> Hits:
    """Under 17 on election day and not (ever) married: S and P voters are eligible at any age."""
    married = ctx.isin("status_kawin", ["S", "P"])
    dob = ctx.roll.dob
    young = (ctx.age >= 0) & (ctx.age < MIN_AGE) & ~(dob > ctx.election_day)
    return Hits.from_mask(young & ~married, age=ctx.age, day=str(ctx.settings.election_day))


def age_implausible(ctx: Context) -> Hits:
    return Hits.from_mask(ctx.age > MAX_AGE, age=ctx.age)


def placeholder_birthdate(ctx: Context) -> Hits:
    _, m, d = ctx.dob_parts
    mask = np.zeros(ctx.n, dtype=bool)
    for month, day in PLACEHOLDER_DATES:
        mask |= (m == month) & (d == day)
    return Hits.from_mask(mask)


def gender_invalid(ctx: Context) -> Hits:
    return Hits.from_mask(~ctx.isin("jenis_kelamin", ["L", "P"]))


def marital_status_invalid(ctx: Context) -> Hits:
    return Hits.from_mask(~ctx.isin("status_kawin", ["B", "S", "P"]))


def disability_invalid(ctx: Context) -> Hits:
    return Hits.from_mask(ctx.present("disabilitas") & ~ctx.isin("disabilitas", list("0123456")))


def rt_rw_invalid(ctx: Context) -> Hits:
    """RT and RW each: present but not a 1–3 digit number (normalised to three digits)."""
    positions, fields = [], []
    for fld in ("rt", "rw"):
        if not ctx.roll.has(fld):
            continue
        bad = np.flatnonzero(ctx.present(fld) & ~ctx.digits(fld, 3))
        positions.append(bad)
        fields.append(np.full(len(bad), fld, dtype=object))
    if not positions:
        return Hits.none()
    pos = np.concatenate(positions)
    flds = np.concatenate(fields)
    order = np.argsort(pos, kind="stable")
    return Hits(pos[order], {"field": flds[order]}, fields=flds[order])


def row_malformed(ctx: Context) -> Hits:
    m = ctx.roll.malformed
    if m.empty:
        return Hits.none()
    return Hits(m["position"].to_numpy(), {"expected": m["expected"].astype(str).to_numpy(),
                                           "actual": m["actual"].astype(str).to_numpy()},
                values=m["actual"].astype(str).to_numpy())

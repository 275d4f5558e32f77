"""Server CRS strings checked before GDAL/OSR sees them.

``osr.SpatialReference().SetFromUserInput`` also accepts file names (it reads the file) and http(s) URLs (it
fetches them), and GDAL 3.6's binding has no option to forbid that. A spatial reference from a server is
therefore accepted only as ``AUTHORITY:CODE``, as WKT (by its opening keyword) or as PROJJSON (a JSON object).
"""

from __future__ import annotations

import re

from .errors import MalformedResponseError

_AUTHORITY_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_]+:[0-9]+$")  # two letters at least: never a drive letter
_WKT_KEYWORDS = re.compile(
    r"^(GEOGCS|PROJCS|GEOCCS|VERT_CS|COMPD_CS|LOCAL_CS|GEOGCRS|GEODCRS|GEOCRS|PROJCRS|BASEGEOGCRS|VERTCRS|"
    r"ENGCRS|COMPOUNDCRS|BOUNDCRS|DERIVEDPROJCRS|TIMECRS|PARAMETRICCRS)\s*[\[(]", re.IGNORECASE)


def checked_srs_input(spatial_reference: str) -> str:
    """``spatial_reference`` stripped, if it is AUTHORITY:CODE, WKT or PROJJSON; else MalformedResponseError."""
    value = (spatial_reference or "").strip()
    if _AUTHORITY_CODE.match(value) or _WKT_KEYWORDS.match(value):
        return value
    if value.startswith("{") and value.endswith("}"):
        return value
    shown = value if len(value) <= 80 else value[:80] + "..."
    raise MalformedResponseError(f"the spatial reference {shown!r} is not AUTHORITY:CODE, WKT or PROJJSON "
                                 "(file names and URLs are never handed to GDAL)")

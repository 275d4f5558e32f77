"""Secrets scan of the repository (part of ``make lint``): detect-secrets over every file git tracks.

Exits 1 and names the file and line of anything that looks like a secret, unless its hash is in
:data:`ALLOWED` with the reason it is not one. Test data (``tests/data``), binary files and this file (its
hashes look like secrets) are skipped.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from detect_secrets import SecretsCollection
from detect_secrets.settings import default_settings

REPO = Path(__file__).resolve().parents[1]
SKIPPED = re.compile(r"^tests/data/|^tools/secrets_scan\.py$|\.(png|jpg|svg|qm|tif|tiff|zip|gpkg|shp|shx|dbf|prj|ico)$",
                     re.IGNORECASE)  # this file holds only the hashes below

# sha1 of the flagged text (detect-secrets' "hashed_secret") -> why it is no secret
ALLOWED = {
    "42f1039593acb8b614e0d912af25c7593b557bac": "qgis_glue/connections.py: the fixed username of token configs",
    "1a91d62f7ca67399625a4368a6ab5d4a3baa6073": "tests: a URL with user:pw, to check it is refused",
    "5561020ac01fee93a57def5a1d39bdb8954fcb47": "tests: a proxy URL with made-up credentials, to check quoting",
    "e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4": "tests: a URL with user:secret, to check it is refused",
    "3d1766e2bd1b02167104f350f84b0668f850ef92": "tests: Geo Engine's default admin password of the test server",
    "6645cf4324e1c509849cbd7dd05371dc62bf5067": "tests: the test server's analyst password",
    "dbccc691be2dcaf833f27da64c18fb003e13d5fe": "tests: the Auth Manager master password of the throw-away profile",
    "dd94709528bb1c83d08f3088d4043f4742891f4f": "tests: the test server's admin login in a raw request",
    "e4055de792e64bf8433b9c794f2611cb65f4c487": "tests: a test name ('...ghs_the_four_pixels...'), not a token",
}


def tracked_files() -> list:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    names = [name for name in out.decode("utf-8").split("\0") if name and not SKIPPED.search(name)]
    return [name for name in names if (REPO / name).is_file()]


def main() -> int:
    secrets = SecretsCollection(root=str(REPO))
    with default_settings():
        for name in tracked_files():
            secrets.scan_file(name)
    found = [(name, secret) for name, secret in secrets if secret.secret_hash not in ALLOWED]
    for name, secret in found:
        print(f"{name}:{secret.line_number}: possible secret ({secret.type}), hash {secret.secret_hash}")
    if found:
        print(f"secrets scan: {len(found)} finding(s); remove them, or add the hash to ALLOWED in "
              f"{Path(__file__).relative_to(REPO)} with the reason it is no secret")
        return 1
    print("secrets scan: no secrets in the tracked files")
    return 0


if __name__ == "__main__":
    sys.exit(main())

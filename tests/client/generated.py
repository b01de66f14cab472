"""Generate the Python client from the live server's `GET /v1/schema` with openapi-python-client.

Used by the generated-client test and the docs test. The generated code is imported as is:
nothing in it is edited by hand. Where it fails or its types are unusable, the schema is fixed.
"""

import gc
import importlib
import json
import subprocess
import sys
from pathlib import Path

import httpx

PACKAGE = "payments_platform_api_client"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"


def generate_client(base_url: str, folder: Path):
    """Fetch the schema from `base_url`, generate the client into `folder`, and import it."""
    schema = httpx.get(f"{base_url}/v1/schema", params={"format": "json"}, timeout=60)
    schema.raise_for_status()
    schema_path = folder / "openapi.json"
    schema_path.write_text(json.dumps(schema.json()))
    config = folder / "config.json"
    config.write_text(json.dumps({"post_hooks": []}))  # no formatter run: the code is used as generated
    result = subprocess.run(
        [str(GENERATOR), "generate", "--path", str(schema_path), "--meta", "none", "--config", str(config)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    forget_client()
    sys.path.insert(0, str(folder))
    return importlib.import_module(PACKAGE)


def forget_client() -> None:
    """Unload the generated package; collect the clients the test dropped, so that their keep-alive
    connections close and the live server's threads give back their database connections."""
    for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    sys.path[:] = [entry for entry in sys.path if not Path(entry, PACKAGE).exists()]
    gc.collect()

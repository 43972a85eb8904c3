#!/usr/bin/env python3
"""Round-trips the OpenAPI document kept in Sources/AegisServer/API/OpenAPIDocument.swift.

    scripts/openapi.py extract > openapi.json     # the JSON, for editing or tooling
    scripts/openapi.py embed openapi.json         # writes it back into the Swift file, formatted
"""
import json
import sys
from pathlib import Path

SWIFT = Path(__file__).resolve().parent.parent / "Sources/AegisServer/API/OpenAPIDocument.swift"
OPEN, CLOSE = '    static let text = #"""\n', '        """#\n'


def parts():
    text = SWIFT.read_text()
    start = text.index(OPEN) + len(OPEN)
    end = text.index(CLOSE, start)
    return text[:start], text[start:end], text[end:]


def extract():
    _, body, _ = parts()
    sys.stdout.write(json.dumps(json.loads(body), indent=2, ensure_ascii=False) + "\n")


def embed(path):
    document = json.loads(Path(path).read_text())
    head, _, tail = parts()
    lines = json.dumps(document, indent=2, ensure_ascii=False).splitlines()
    SWIFT.write_text(head + "".join("        " + line + "\n" for line in lines) + tail)


if __name__ == "__main__":
    if sys.argv[1:] == ["extract"]:
        extract()
    elif len(sys.argv) == 3 and sys.argv[1] == "embed":
        embed(sys.argv[2])
    else:
        sys.exit(__doc__)

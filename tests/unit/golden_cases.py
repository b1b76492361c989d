"""Reader of the golden cases in tests/unit/golden/*.txt (format in golden/README.md)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"
CURSOR = "█"
EXTENSIONS = {
    "python": ".py",
    "javascript": ".js",
    "typescript": ".ts",
    "typescriptreact": ".tsx",
    "rust": ".rs",
    "go": ".go",
    "lua": ".lua",
    "plaintext": ".txt",
}


@dataclass(frozen=True)
class Case:
    language: str
    title: str
    problem: str
    shape: str
    document: str
    model: str
    accepted: str

    @property
    def id(self) -> str:
        return f"{self.language}: {self.title}"

    @property
    def path(self) -> str:
        return f"/project/example{EXTENSIONS[self.language]}"

    @property
    def offset(self) -> int:
        return self.document.index(CURSOR)

    @property
    def text(self) -> str:
        return self.document.replace(CURSOR, "", 1)


def _parse_case(language: str, block: str) -> Case:
    title, *lines = block.split("\n")
    header: dict[str, str] = {}
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines:
        if line.startswith("--- "):
            current = sections.setdefault(line[4:].strip(), [])
        elif current is not None:
            current.append(line)
        elif ":" in line:
            key, value = line.split(":", 1)
            header[key.strip()] = value.strip()
    model = "\n".join(sections.get("model", []))
    if "model" in header:
        model = ast.literal_eval(header["model"])
    return Case(
        language=language,
        title=title.strip(),
        problem=header["problem"],
        shape=header["shape"],
        document="\n".join(sections["document"]),
        model=model,
        accepted="\n".join(sections["accepted"]),
    )


def load_cases() -> list[Case]:
    cases = []
    for file in sorted(GOLDEN.glob("*.txt")):
        text = file.read_text(encoding="utf-8")
        text = text[:-1] if text.endswith("\n") else text  # the file's own final newline
        for block in ("\n" + text).split("\n=== ")[1:]:
            cases.append(_parse_case(file.stem, block))
    return cases

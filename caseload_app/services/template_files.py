"""The letter templates on disk: the administrator's folder (first), then the shipped one.

The templates' language (parsing, checking, filling) is pure and lives in domain/templates.py;
this is the part that finds, reads and writes the files. A template is NAME.txt, or a Word
document NAME.docx (services/word_templates.py); where a folder has both, the Word one is
used, and the administrator's folder always comes before the shipped one.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from caseload_app.domain.templates import (
    FREE_TEXT,
    TEMPLATE_NAME,
    Template,
    TemplateError,
    TemplateInfo,
    TemplateNotFound,
    parse,
    validate,
)
from caseload_app.files import atomic_open
from caseload_app.paths import data_dir, resources_dir
from caseload_app.services.word_templates import WORD_SUFFIX, read_word_template

SUFFIXES = (WORD_SUFFIX, ".txt")  # in this order: a Word template wins over a text one


class TemplateLibrary:
    """Templates in the administrator's folder (first) and the shipped folder."""

    def __init__(self, admin_dir: Path, shipped_dir: Path) -> None:
        self.admin_dir = Path(admin_dir)
        self.shipped_dir = Path(shipped_dir)

    def path_for(self, name: str) -> Path:
        """The file of the template called `name`: a name, never a path (no separators, no
        '..'), found only inside the administrator's or the shipped folder."""
        if not TEMPLATE_NAME.fullmatch(name):
            raise TemplateNotFound(
                f"'{name}' is not a template name: a template is named with lower-case "
                "letters, digits and underscores (e.g. draft_plan_cover), never a path. "
                f"Templates: {', '.join(self.names()) or 'none'}."
            )
        for folder in (self.admin_dir, self.shipped_dir):
            for suffix in SUFFIXES:
                candidate = folder / f"{name}{suffix}"
                if candidate.is_file():
                    if not candidate.resolve().is_relative_to(folder.resolve()):
                        raise TemplateNotFound(
                            f"The letter template '{name}' links to a file outside the "
                            f"template folders ({folder}), so it is not used. Ask your "
                            "administrator to put the template itself in the folder."
                        )
                    return candidate
        known = self.names()
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise TemplateNotFound(
            f"There is no letter template called '{name}'.{hint} "
            f"Templates: {', '.join(known) or 'none'}."
        )

    def load(self, name: str) -> Template:
        path = self.path_for(name)
        if path.suffix == WORD_SUFFIX:
            return read_word_template(path, name)
        return parse(path.read_text(encoding="utf-8"), name, source=str(path))

    def names(self) -> list[str]:
        found: set[str] = set()
        for folder in (self.admin_dir, self.shipped_dir):
            if folder.is_dir():
                found.update(
                    p.stem
                    for suffix in SUFFIXES
                    for p in folder.glob(f"*{suffix}")
                    if TEMPLATE_NAME.fullmatch(p.stem)
                )
        return sorted(found)

    def list_templates(self) -> list[TemplateInfo]:
        return [self._info(name) for name in self.names()]

    def _info(self, name: str) -> TemplateInfo:
        path = self.path_for(name)
        in_admin = path.parent == self.admin_dir
        shipped_too = any((self.shipped_dir / f"{name}{x}").is_file() for x in SUFFIXES)
        origin = "shipped"
        if in_admin:
            origin = "admin (replaces shipped)" if shipped_too else "admin"
        word = path.suffix == WORD_SUFFIX
        try:
            template = validate(self.load(name))
        except TemplateError as exc:
            return TemplateInfo(name, name, "", origin, path, str(exc), label=name, word=word)
        used = template.placeholders()
        typed = tuple(n for n in used if n in FREE_TEXT or n == "advice_type")
        if template.to == "adviser" and "advice_type" not in typed:
            typed += ("advice_type",)  # the address block needs to know which adviser
        return TemplateInfo(
            name,
            template.title,
            template.to,
            origin,
            path,
            label=template.plain_name,
            stages=template.stages,
            typed=typed,
            word=word,
        )

    def save_template(self, name: str, text: str) -> Template:
        """Check the text, then write it to the administrator's folder (atomically)."""
        if not TEMPLATE_NAME.fullmatch(name):
            raise TemplateError(
                f"'{name}' cannot be a template name: use lower-case letters, digits and "
                "underscores, starting with a letter (e.g. transfer_review_letter)."
            )
        if (self.admin_dir / f"{name}{WORD_SUFFIX}").is_file():
            raise TemplateError(
                f"'{name}' is a Word template ({name}{WORD_SUFFIX} in {self.admin_dir}): edit "
                "it in Word, or give this text template another name."
            )
        template = validate(parse(text, name, source=f"{name}.txt"))
        self.admin_dir.mkdir(parents=True, exist_ok=True)
        with atomic_open(self.admin_dir / f"{name}.txt", "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text if text.endswith("\n") else text + "\n")
        return template


def default_library() -> TemplateLibrary:
    """The administrator's folder in the data directory, then the shipped templates."""
    return TemplateLibrary(data_dir() / "templates", resources_dir() / "templates")

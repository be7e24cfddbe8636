"""Translation chores for the message catalogues: extract, update, check, compile.

    python scripts/i18n.py extract   # source -> bot/locale/messages.pot (rewritten only when messages changed)
    python scripts/i18n.py update    # .pot -> bot/locale/de/LC_MESSAGES/messages.po (new entries empty,
                                     #   changed ones fuzzy, removed ones dropped)
    python scripts/i18n.py check     # fails on any string in the source without a reviewed German text
    python scripts/i18n.py compile --output-dir DIR   # .mo files, only for packagers who want them

The bot itself compiles the ``.po`` in memory (``bot/i18n.py``), so no ``.mo`` lives in git. ``check``
extracts afresh from the source rather than trusting the ``.pot``, so a forgotten ``extract`` cannot hide a
missing translation. The same checks run in ``tests/test_i18n.py``. See docs/translations.md.
"""

from __future__ import annotations

import argparse
import ast
import configparser
import contextlib
import re
import string
import sys
import tempfile
import tomllib
from collections import Counter
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.util import pathmatch

ROOT = Path(__file__).resolve().parent.parent
MAPPING = ROOT / "babel.cfg"
LOCALE_DIR = ROOT / "bot" / "locale"
TEMPLATE = LOCALE_DIR / "messages.pot"
DOMAIN = "messages"
#: Languages with a catalogue; English is the msgids themselves.
LANGUAGES = ("de",)
#: ``tr._("…")``, ``tr.n_("one", "many", n)``, ``N_("…")`` — also found as attribute calls.
KEYWORDS = ("_", "n_:1,2", "N_")

# What a translation must keep exactly as the source has it. Slack special tokens (mentions, channel
# links, broadcasts, URLs) and emoji codes are compared as multisets; markup characters by count.
_SLACK_TOKEN = re.compile(r"<[@#!][^>]*>|<https?://[^>]*>")
_EMOJI = re.compile(r":[a-z0-9_+\-]+:")
_COUNTED = {"*": "bold markers (*)", "`": "backticks (`)", "\n": "line breaks"}


def catalogue_path(language: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _pybabel(*args: str) -> None:
    status = CommandLineInterface().run(["pybabel", "--quiet", *[str(a) for a in args]])
    if status:
        raise SystemExit(f"pybabel {args[0]} failed ({status})")


def _version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["project"]["version"]


def extract_to(output: Path) -> None:
    """Babel's extractor over the files babel.cfg names, plus what its tokenizer misses, into ``output``."""
    keywords = [arg for keyword in KEYWORDS for arg in ("-k", keyword)]
    with tempfile.TemporaryDirectory() as scratch:
        raw = Path(scratch) / "raw.pot"
        with contextlib.chdir(ROOT):  # locations relative to the repository, like "handlers/blocks.py"
            _extract(raw, keywords)
        with raw.open("rb") as handle:
            template = read_po(handle)
    for message, locations in unseen_by_babel(template).items():
        template.add(
            message,
            locations=sorted({(path, None) for path, _ in locations}),
            auto_comments=["Added by scripts/i18n.py: Babel misses calls nested in brackets."],
        )
    with output.open("wb") as handle:
        write_po(handle, template, width=0, sort_by_file=True, include_lineno=False)


def _extract(output: Path, keywords: list[str]) -> None:
    _pybabel(
        "extract",
        "-F",
        str(MAPPING),
        "--no-default-keywords",
        *keywords,
        "--add-comments=Translators:",
        "--add-location=file",  # file names help translators; line numbers would only churn diffs
        "--sort-by-file",
        "--no-wrap",
        "--project=Kundenfokus",
        f"--version={_version()}",
        "--copyright-holder=Kundenfokus contributors",
        "-o",
        str(output.resolve()),
        ".",
    )


# --- a second pair of eyes: every marked string, read with Python's own parser -----------------------

MessageId = str | tuple[str, str]


def _mapped_sources() -> list[Path]:
    """The files babel.cfg sends to the python extractor (first matching section wins, as in Babel)."""
    parser = configparser.RawConfigParser()
    parser.read(MAPPING, encoding="utf-8")
    sections = [tuple(part.strip() for part in name.split(":", 1)) for name in parser.sections()]
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if any(part.startswith((".", "_")) for part in relative.parts[:-1]):
            continue  # Babel skips hidden and underscore directories (.venv, __pycache__) too
        method = next((m for m, pattern in sections if pathmatch(pattern, relative.as_posix())), None)
        if method == "python":
            found.append(path)
    return found


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def marked_in_source() -> dict[MessageId, list[tuple[str, int]]]:
    """Every ``_("…")``, ``N_("…")`` and ``n_("…", "…", n)`` with literal text, attribute calls included."""
    found: dict[MessageId, list[tuple[str, int]]] = {}
    for path in _mapped_sources():
        relative = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=relative)):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            message: MessageId | None = None
            if name in ("_", "N_"):
                message = _literal(node.args[0])
            elif name == "n_" and len(node.args) >= 2:
                singular, plural = _literal(node.args[0]), _literal(node.args[1])
                message = (singular, plural) if singular and plural else None
            if message:
                found.setdefault(message, []).append((relative, node.lineno))
    return found


def unseen_by_babel(template: Catalog) -> dict[MessageId, list[tuple[str, int]]]:
    """Marked strings Babel's tokenizer missed (e.g. ``tr._`` inside another call's brackets)."""
    return {
        message: locations
        for message, locations in marked_in_source().items()
        if template.get(message if isinstance(message, str) else message[0]) is None
    }


def fresh_template() -> Catalog:
    """The messages the source marks right now, as a catalogue (nothing written into the repo)."""
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "messages.pot"
        extract_to(path)
        with path.open("rb") as handle:
            return read_po(handle)


def _without_dates(text: str) -> str:
    return re.sub(r'^"(POT-Creation-Date|PO-Revision-Date): .*"$', "", text, flags=re.M)


def extract() -> bool:
    """Refresh ``messages.pot``; leaves it alone (no date-only diff) when no message changed."""
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "messages.pot"
        extract_to(path)
        new = path.read_text(encoding="utf-8")
    old = TEMPLATE.read_text(encoding="utf-8") if TEMPLATE.exists() else ""
    if _without_dates(new) == _without_dates(old):
        print(f"{TEMPLATE.relative_to(ROOT)} is up to date")
        return False
    TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
    TEMPLATE.write_text(new, encoding="utf-8")
    print(f"wrote {TEMPLATE.relative_to(ROOT)}")
    return True


def update() -> None:
    """Merge ``messages.pot`` into each language's ``.po``: new entries empty, changed ones fuzzy."""
    for language in LANGUAGES:
        args = ["update", "-i", str(TEMPLATE), "-d", str(LOCALE_DIR), "-D", DOMAIN, "-l", language]
        _pybabel(*args, "--no-wrap", "--ignore-obsolete", "--init-missing")
        print(f"updated {catalogue_path(language).relative_to(ROOT)}")


def load(language: str, locale_dir: Path = LOCALE_DIR) -> Catalog:
    with catalogue_path(language, locale_dir).open("rb") as handle:
        return read_po(handle, locale=language)


def _forms(value: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def placeholders(text: str) -> set[str]:
    """The ``str.format`` field names in ``text``; raises ValueError on unbalanced braces."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text) if name}


def _markup_problems(source: str, translation: str, *, singular_form: bool = False) -> list[str]:
    found = []
    try:
        expected, got = placeholders(source), placeholders(translation)
    except ValueError as error:
        return [f"broken braces ({error})"]
    # "one more" may say "noch eine" without {n}; every other placeholder must survive.
    if singular_form:
        expected, got = expected - {"n"}, got - {"n"}
    if expected != got:
        found.append(f"placeholders {sorted(got)} instead of {sorted(expected)}")
    for pattern, what in ((_SLACK_TOKEN, "Slack tokens"), (_EMOJI, "emoji codes")):
        if Counter(pattern.findall(source)) != Counter(pattern.findall(translation)):
            found.append(f"{what} {pattern.findall(translation)} instead of {pattern.findall(source)}")
    for char, what in _COUNTED.items():
        if source.count(char) != translation.count(char):
            found.append(f"{translation.count(char)} {what} instead of {source.count(char)}")
    return found


def message_problems(message: Message) -> list[str]:
    """What is wrong with one translated entry: empty, fuzzy, or markup/placeholders not kept."""
    if message.fuzzy:
        return ["fuzzy (needs review)"]
    sources = _forms(message.id)
    translations = _forms(message.string)
    if not translations or not all(translations):
        return ["untranslated"]
    found = []
    for index, translation in enumerate(translations):
        # Plural forms: the first follows the singular, the others the plural msgid.
        source = sources[min(index, len(sources) - 1)]
        found += _markup_problems(source, translation, singular_form=index == 0 and len(sources) > 1)
    return found


def problems(template: Catalog, catalog: Catalog) -> list[str]:
    """Every reason ``catalog`` cannot yet speak for all of ``template``; empty when complete."""
    found = []
    for message in template:
        if not message.id:
            continue
        where = ", ".join(sorted({path for path, _ in message.locations})) or "?"
        translated = catalog.get(message.id, message.context)
        label = message.id if isinstance(message.id, str) else message.id[0]
        if translated is None:
            found.append(f"{label!r} ({where}): missing from {catalog.locale}")
            continue
        if isinstance(message.id, tuple) != isinstance(translated.id, tuple):
            found.append(f"{label!r} ({where}): plural in one place, singular in the other")
            continue
        found += [f"{label!r} ({where}): {problem}" for problem in message_problems(translated)]
    header = catalog.plural_forms
    if catalog.locale and str(catalog.locale) == "de" and header != "nplurals=2; plural=(n != 1);":
        found.append(f"Plural-Forms header is {header!r}")
    return found


def compile_to_bytes(catalog: Catalog) -> bytes:
    """What ``pybabel compile`` would write, after Babel's own format checks."""
    errors = [f"{message.id!r}: {error}" for message, errs in catalog.check() for error in errs]
    if errors:
        raise ValueError("; ".join(errors))
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def check() -> int:
    template = fresh_template()
    failures = 0
    for language in LANGUAGES:
        catalog = load(language)
        found = problems(template, catalog)
        unused = [m.id for m in catalog if m.id and template.get(m.id, m.context) is None]
        for line in found:
            print(f"{language}: {line}")
        if unused:
            print(f"{language}: {len(unused)} entries no longer in the source (run update)")
        try:
            compile_to_bytes(catalog)
        except ValueError as error:
            found.append(str(error))
            print(f"{language}: does not compile: {error}")
        failures += len(found)
        if not found:
            print(f"{language}: {sum(1 for m in template if m.id)} messages, complete")
    return 1 if failures else 0


def compile_catalogues(output_dir: Path) -> None:
    """``<output_dir>/<lang>/LC_MESSAGES/messages.mo`` through pybabel compile, for packaging."""
    for language in LANGUAGES:
        target = output_dir / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
        target.parent.mkdir(parents=True, exist_ok=True)
        _pybabel("compile", "-i", str(catalogue_path(language)), "-o", str(target), "-l", language)
        print(f"wrote {target}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    steps = parser.add_subparsers(dest="step", required=True)
    steps.add_parser("extract", help="source -> bot/locale/messages.pot")
    steps.add_parser("update", help="messages.pot -> each language's messages.po")
    steps.add_parser("check", help="fail on missing, empty or fuzzy translations and broken placeholders")
    compile_step = steps.add_parser("compile", help="write .mo files (not needed by the bot itself)")
    compile_step.add_argument("--output-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.step == "extract":
        extract()
    elif args.step == "update":
        update()
    elif args.step == "check":
        return check()
    else:
        compile_catalogues(args.output_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())

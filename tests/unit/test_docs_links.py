"""Every relative link and anchor in README.md and docs/**/*.md resolves (offline: web links are not fetched)."""

from __future__ import annotations

import glob
import os
import re
import textwrap
from urllib.parse import unquote

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"(`+).*?\1")
# [text](target "title"), ![alt](target), and reference definitions [name]: target
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)")
HTML_LINK = re.compile(r"<(?:a|img)\s[^>]*?(?:href|src)=\"([^\"]+)\"", re.IGNORECASE)
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
HTML_ANCHOR = re.compile(r"<a\s[^>]*?(?:name|id)=\"([^\"]+)\"", re.IGNORECASE)


def prose_lines(text):
    """Lines outside fenced code blocks, with inline code removed."""
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, INLINE_CODE.sub("", line)


def slug(heading):
    """GitHub's anchor for a heading: rendered text, lower case, punctuation dropped, spaces to '-'."""
    heading = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links keep their text
    heading = re.sub(r"<[^>]+>", "", heading).replace("`", "")
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path):
    """The anchors a Markdown file defines: its headings (duplicates get -1, -2, ...) and HTML ids."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    found, seen = set(), {}
    fenced = False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        match = HEADING.match(line)
        if match:
            base = slug(match.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else "%s-%d" % (base, count))
        found.update(HTML_ANCHOR.findall(line))
    return found


def links(text):
    for number, line in prose_lines(text):
        for pattern in (INLINE_LINK, REFERENCE, HTML_LINK):
            for target in pattern.findall(line):
                yield number, target


def broken_links(path, root=ROOT):
    """['file:line: target (why)'] for relative links of ``path`` that do not resolve."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    problems = []
    for number, target in links(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # http:, https:, mailto:, ...
            continue
        file_part, _hash, fragment = target.partition("#")
        goal = os.path.normpath(os.path.join(os.path.dirname(path), unquote(file_part))) if file_part else path
        where = "%s:%d: %s" % (os.path.relpath(path, root), number, target)
        if not os.path.realpath(goal).startswith(os.path.realpath(root) + os.sep):
            problems.append(where + " (outside the repository)")
        elif not os.path.exists(goal):
            problems.append(where + " (no such file)")
        elif fragment and goal.endswith(".md") and unquote(fragment) not in anchors(goal):
            problems.append(where + " (no such anchor)")
    return problems


def doc_files(root=ROOT):
    pages = glob.glob(os.path.join(root, "docs", "**", "*.md"), recursive=True)
    return [os.path.join(root, "README.md")] + sorted(pages)


def test_links_and_anchors_in_the_docs_resolve():
    files = doc_files()
    assert len(files) > 5, files
    problems = [problem for path in files for problem in broken_links(path)]
    assert not problems, "\n".join(problems)


def test_every_doc_page_is_reachable_from_the_readme():
    reached, todo = set(), [os.path.join(ROOT, "README.md")]
    while todo:
        path = todo.pop()
        if path in reached:
            continue
        reached.add(path)
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        for _number, target in links(text):
            file_part = target.partition("#")[0]
            goal = os.path.normpath(os.path.join(os.path.dirname(path), unquote(file_part)))
            if os.path.isdir(goal):
                goal = os.path.join(goal, "README.md")
            if file_part and goal.endswith(".md") and os.path.exists(goal) and ":" not in file_part:
                todo.append(goal)
    orphans = [os.path.relpath(p, ROOT) for p in doc_files() if p not in reached]
    assert not orphans, "not linked from README.md or a page it links to: %s" % ", ".join(orphans)


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Quick start", "quick-start"),
        ("KVM not usable: guests run in `qemu` (TCG)", "kvm-not-usable-guests-run-in-qemu-tcg"),
        ("Debian vs Rocky Linux", "debian-vs-rocky-linux"),
        ("Step 3 — bootstrap", "step-3--bootstrap"),
        ("From [AWX](https://example.org)", "from-awx"),
    ],
)
def test_slug_follows_github(heading, anchor):
    assert slug(heading) == anchor


def test_broken_links_and_anchors_are_reported(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "other.md").write_text("# Other page\n\n## Same\n\n## Same\n")
    page = tmp_path / "README.md"
    page.write_text(
        "# Title\n\n"
        "[ok](docs/other.md#other-page) [ok2](docs/other.md#same-1) [self](#title) [web](https://example.org/x)\n"
        "[missing](docs/none.md) [bad anchor](docs/other.md#nope) [bad self](#nothing)\n"
        '![img](docs/missing.svg) <a href="docs/gone.md">x</a>\n\n'
        "[ref]: docs/also-missing.md\n\n"
        "```\n[in code](not/checked.md)\n```\n"
        "`[inline](not/checked.md)` [escape](../../etc/passwd)\n"
    )
    problems = broken_links(str(page), root=str(tmp_path))
    assert problems == [
        "README.md:4: docs/none.md (no such file)",
        "README.md:4: docs/other.md#nope (no such anchor)",
        "README.md:4: #nothing (no such anchor)",
        "README.md:5: docs/missing.svg (no such file)",
        "README.md:5: docs/gone.md (no such file)",
        "README.md:7: docs/also-missing.md (no such file)",
        "README.md:12: ../../etc/passwd (outside the repository)",
    ]


def yaml_blocks(text):
    """(line, source) of every ```yaml block."""
    blocks, current, start = [], None, 0
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if current is None and stripped == "```yaml":
            current, start = [], number
        elif current is not None and stripped == "```":
            blocks.append((start, "\n".join(current)))
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def test_yaml_examples_in_the_docs_parse():
    problems, count = [], 0
    for path in doc_files():
        with open(path, encoding="utf-8") as handle:
            blocks = yaml_blocks(handle.read())
        for number, source in blocks:
            count += 1
            try:
                list(yaml.safe_load_all(textwrap.dedent(source)))
            except yaml.YAMLError as exc:
                problems.append("%s:%d: %s" % (os.path.relpath(path, ROOT), number, exc))
    assert count > 5
    assert not problems, "\n".join(problems)

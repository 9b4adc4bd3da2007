#!/usr/bin/env python3
"""Writes guardmail's manual pages (make install, make deb; docs/install.md).

    manpages.py commands BINARY OUTDIR
        guardmail(1) and one page per subcommand (guardmail-send(1), guardmail-bulk-new(1), ...)
        from the argument parser's own description of the command tree
        (`BINARY --experimental-dump-help`, the input of swift-argument-parser's generate-manual):
        the pages say what `--help` says, options, defaults and exit codes included.

    manpages.py doc MARKDOWN NAME SECTION SUMMARY OUTFILE
        a page from one of docs/*.md (guardmail-config(5) from docs/config.md,
        guardmail-policy(5) from docs/policy.md), so the page follows the document.

Only the standard library: it runs wherever make does.
"""

import json
import re
import subprocess
import sys
from pathlib import Path



def source_date():
    """The date on the pages: the last commit's (so the same tree gives the same pages), or
    SOURCE_DATE_EPOCH's, or today's outside a git checkout."""
    import datetime
    import os
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return datetime.datetime.fromtimestamp(int(os.environ["SOURCE_DATE_EPOCH"]), datetime.timezone.utc).strftime("%Y-%m-%d")
    try:
        out = subprocess.run(["git", "-C", str(Path(__file__).resolve().parent), "log", "-1", "--format=%cs"],
                             capture_output=True, text=True, timeout=30)
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    except OSError:
        pass
    return datetime.date.today().isoformat()


DATE = source_date()
# The footer's source, e.g. "guardmail 0.1.0" (make passes the binary's --version).
SOURCE = __import__("os").environ.get("GUARDMAIL_VERSION") or "guardmail"

# Markdown documents named in the text, and the page each one becomes.
DOC_PAGES = {
    "docs/config.md": "guardmail-config(5)",
    "docs/policy.md": "guardmail-policy(5)",
}


def escape(text):
    """Text for a roff line: backslashes escaped, no line starting with a control character."""
    text = text.replace("\\", "\\e")
    text = text.replace("-", "\\-")
    return text


def line(text):
    """One output line of text, protected from being read as a request."""
    if text.startswith((".", "'")):
        return "\\&" + text
    return text


def inline(text):
    """Markdown inline markup to roff fonts: `code` and **bold** bold, *emphasis* italic, links as their text."""
    out = []
    pos = 0
    for match in re.finditer(r"`([^`]+)`|\*\*(.+?)\*\*|(?<![\w*])\*([^*\s][^*]*?)\*(?![\w*])|\[([^\]]+)\]\(([^)]+)\)", text):
        out.append(escape(text[pos:match.start()]))
        code, bold, emphasis, label, target = match.groups()
        if code is not None:
            page = DOC_PAGES.get(code)
            out.append(page.replace("-", "\\-") if page else "\\fB" + escape(code) + "\\fR")
        elif bold is not None:
            out.append("\\fB" + inline(bold) + "\\fR")
        elif emphasis is not None:
            out.append("\\fI" + inline(emphasis) + "\\fR")
        else:
            out.append(inline(label))
            page = DOC_PAGES.get(target.split("#")[0].lstrip("./")) or DOC_PAGES.get("docs/" + target.split("#")[0].lstrip("./"))
            if page:
                out.append(" (" + page.replace("-", "\\-") + ")")
        pos = match.end()
    out.append(escape(text[pos:]))
    return "".join(out)


def header(name, section, summary):
    return [
        f'.TH "{name.upper()}" "{section}" "{DATE}" "{SOURCE}" "guardmail manual"',
        ".SH NAME",
        f"{escape(name)} \\- {escape(summary)}",
    ]


def table_cells(row):
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|"):
        row = row[:-1]
    # A `|` inside a code span is not a column break.
    cells, current, in_code = [], "", False
    for char in row:
        if char == "`":
            in_code = not in_code
        if char == "|" and not in_code:
            cells.append(current.strip())
            current = ""
        else:
            current += char
    cells.append(current.strip())
    return cells


def markdown_to_man(markdown, name, section, summary):
    """The page for a Markdown document: headings become sections, tables tagged paragraphs."""
    lines = markdown.splitlines()
    out = header(name, section, summary)
    i = 0
    paragraph = []

    def flush():
        if paragraph:
            out.append(".PP")
            out.extend(line(inline(text)) for text in paragraph)
            paragraph.clear()

    while i < len(lines):
        text = lines[i]
        stripped = text.strip()
        if text.startswith("# "):
            flush()
            out.append(".SH DESCRIPTION")
            i += 1
        elif text.startswith("## "):
            flush()
            out.append('.SH "' + inline(text[3:].strip()).upper().replace('"', "") + '"')
            i += 1
        elif text.startswith("### ") or text.startswith("#### "):
            flush()
            out.append('.SS "' + inline(text.split(" ", 1)[1].strip()).replace('"', "") + '"')
            i += 1
        elif stripped.startswith("```"):
            flush()
            i += 1
            block = []
            while i < len(lines) and not lines[i].strip().startswith("```"):
                block.append(lines[i])
                i += 1
            i += 1
            out.extend(code_block(block))
        elif text.startswith("    ") and not paragraph and stripped:
            block = []
            while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
                if not lines[i].strip() and not (i + 1 < len(lines) and lines[i + 1].startswith("    ")):
                    break
                block.append(lines[i][4:])
                i += 1
            out.extend(code_block(block))
        elif stripped.startswith("|") and i + 1 < len(lines) and re.match(r"^\|?\s*:?-+", lines[i + 1].strip()):
            flush()
            headings = table_cells(text)
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                cells = table_cells(lines[i])
                cells += [""] * (len(headings) - len(cells))
                tag = inline(cells[0])
                extra = [f"{inline(h)}: {inline(c)}" for h, c in zip(headings[1:-1], cells[1:-1]) if c]
                if extra:
                    tag += " (" + "; ".join(extra) + ")"
                out.append(".TP")
                out.append(line(tag))
                out.append(line(inline(cells[-1])) if len(cells) > 1 else "")
                i += 1
        elif re.match(r"^(\s*)([-*]|\d+\.) ", text):
            flush()
            indent = len(text) - len(text.lstrip())
            marker = re.match(r"^\s*([-*]|\d+\.) ", text).group(1)
            item = [re.sub(r"^\s*([-*]|\d+\.) ", "", text)]
            i += 1
            while i < len(lines) and lines[i].strip() and not re.match(r"^\s*([-*]|\d+\.) ", lines[i]) \
                    and lines[i].startswith(" "):
                item.append(lines[i].strip())
                i += 1
            if indent:
                out.append(".RS 2")
            out.append(".IP " + ("\\(bu" if marker in "-*" else marker) + " 3")
            out.extend(line(inline(t)) for t in item)
            if indent:
                out.append(".RE")
        elif not stripped:
            flush()
            i += 1
        else:
            paragraph.append(stripped)
            i += 1
    flush()
    return "\n".join(out) + "\n"


def code_block(block):
    while block and not block[-1].strip():
        block.pop()
    result = [".PP", ".RS 4", ".nf"]
    result.extend(line(escape(t)) for t in block)
    result.extend([".fi", ".RE"])
    return result


# ---- command pages -------------------------------------------------------------------------

def option_synopsis(argument):
    names = argument.get("names") or []
    preferred = argument.get("preferredName") or (names[0] if names else None)
    value = argument.get("valueName") or ""
    if argument["kind"] == "positional":
        text = "\\fI" + escape(value) + "\\fR"
    else:
        dash = "\\-\\-" if preferred["kind"] == "long" else "\\-"
        text = "\\fB" + dash + escape(preferred["name"]) + "\\fR"
        if argument["kind"] == "option":
            text += " \\fI" + escape(value) + "\\fR"
    if argument.get("isRepeating"):
        text += " ..."
    if argument.get("isOptional"):
        text = "[" + text + "]"
    return text


def option_tag(argument):
    if argument["kind"] == "positional":
        return "\\fI" + escape(argument.get("valueName") or "") + "\\fR"
    parts = []
    for name in argument.get("names") or []:
        dash = "\\-\\-" if name["kind"] in ("long", "longWithSingleDash") else "\\-"
        if name["kind"] == "longWithSingleDash":
            dash = "\\-"
        parts.append("\\fB" + dash + escape(name["name"]) + "\\fR")
    tag = ", ".join(parts)
    if argument["kind"] == "option":
        tag += " \\fI" + escape(argument.get("valueName") or "") + "\\fR"
    return tag


def text_paragraphs(text):
    """The lines of a help text as roff: each line of the help its own paragraph."""
    out = []
    for paragraph in text.strip().split("\n"):
        if paragraph.strip():
            out.append(".PP")
            out.append(line(inline(paragraph.strip())))
    return out


def page_name(path):
    return "-".join(path)


def command_page(command, path, children):
    name = page_name(path)
    out = header(name, 1, command.get("abstract") or "")
    arguments = [a for a in command.get("arguments") or [] if a.get("shouldDisplay", True)]
    out.append(".SH SYNOPSIS")
    synopsis = "\\fB" + escape(" ".join(path)) + "\\fR"
    if children:
        synopsis += " [\\fIsubcommand\\fR]"
    out.append(".nh")
    out.append(".ad l")
    out.append(line(" ".join([synopsis] + [option_synopsis(a) for a in arguments])))
    out.append(".ad")
    out.append(".hy")
    out.append(".SH DESCRIPTION")
    out.append(line(escape(command.get("abstract") or "")))
    if command.get("discussion"):
        out.extend(text_paragraphs(command["discussion"]))
    if arguments:
        out.append(".SH OPTIONS")
        for argument in arguments:
            out.append(".TP")
            out.append(line(option_tag(argument)))
            help_text = argument.get("abstract") or ""
            if argument.get("defaultValue") and argument["kind"] != "flag":
                help_text += f" (default: {argument['defaultValue']})"
            if argument.get("allValues"):
                help_text += " (values: " + ", ".join(argument["allValues"]) + ")"
            out.append(line(escape(help_text)))
            if argument.get("discussion") and isinstance(argument["discussion"], str):
                out.append(line(escape(argument["discussion"])))
    if children:
        out.append(".SH SUBCOMMANDS")
        for child in children:
            out.append(".TP")
            out.append("\\fB" + escape(child["commandName"]) + "\\fR")
            out.append(line(escape(child.get("abstract") or "")))
            out.append("See " + page_name(path + [child["commandName"]]).replace("-", "\\-") + "(1).")
    see_also = []
    if len(path) > 1:
        see_also.append(page_name(path[:-1]) + "(1)")
    see_also += [page_name(path + [c["commandName"]]) + "(1)" for c in children]
    if len(path) == 1:
        see_also += ["guardmail-config(5)", "guardmail-policy(5)"]
    out.append(".SH SEE ALSO")
    out.append(".nh")  # page names are not hyphenated
    out.append(",\n".join(".BR " + escape(s.split("(")[0]) + " (" + s.split("(")[1] for s in see_also))
    return "\n".join(out) + "\n"


def visible_children(command):
    """The subcommands shown in --help, without ArgumentParser's own `help` (it repeats --help)."""
    return [c for c in command.get("subcommands") or [] if c.get("shouldDisplay", True) and c["commandName"] != "help"]


def write_command_pages(binary, outdir):
    dump = subprocess.run([binary, "--experimental-dump-help"], check=True, capture_output=True, text=True).stdout
    tool = json.loads(dump)
    if tool.get("serializationVersion") != 0:
        sys.exit(f"manpages: unknown --experimental-dump-help version {tool.get('serializationVersion')!r} from '{binary}'")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    written = []

    def visit(command, path):
        children = visible_children(command)
        page = outdir / (page_name(path) + ".1")
        page.write_text(command_page(command, path, children))
        written.append(page.name)
        for child in children:
            visit(child, path + [child["commandName"]])

    visit(tool["command"], [tool["command"]["commandName"]])
    return written


def main(argv):
    if len(argv) == 4 and argv[1] == "commands":
        for name in write_command_pages(argv[2], argv[3]):
            print(name)
        return 0
    if len(argv) == 7 and argv[1] == "doc":
        _, _, markdown, name, section, summary, outfile = argv
        Path(outfile).parent.mkdir(parents=True, exist_ok=True)
        Path(outfile).write_text(markdown_to_man(Path(markdown).read_text(encoding="utf-8"), name, section, summary))
        return 0
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))

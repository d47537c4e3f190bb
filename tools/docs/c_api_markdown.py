#!/usr/bin/env python3
"""Writes docs/reference/c-api.md from Doxygen's XML of the C API headers.

Doxygen parses the headers (tools/docs/Doxyfile); this only lays out what it
found, in the order the headers declare it, so the page cannot drift from
the declarations. Usage: c_api_markdown.py XML_DIR OUT.md DOXYGEN_VERSION
"""

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

HEADERS = ["pto_runtime_c_api.h", "pto_status.h"]


def anchor(name):
    return name.lower()  # GitHub keeps underscores in heading anchors


class Renderer:
    """Doxygen description markup to Markdown."""

    def __init__(self, sections):
        self.sections = sections  # name -> the section that describes it

    def inline(self, node):
        out = [node.text or ""]
        for child in node:
            out.append(self.element(child))
            out.append(child.tail or "")
        return "".join(out)

    def element(self, node):
        tag = node.tag
        if tag == "computeroutput":
            return "`" + "".join(node.itertext()) + "`"
        if tag == "ref":
            name = "".join(node.itertext())
            bare = name.rstrip("()")
            if bare in self.sections:
                return f"[`{name}`](#{anchor(self.sections[bare])})"
            return f"`{name}`"
        if tag == "bold":
            return "**" + self.inline(node) + "**"
        if tag == "emphasis":
            return "*" + self.inline(node) + "*"
        if tag == "linebreak":
            return "\n"
        if tag == "itemizedlist":
            items = ["- " + self.paragraphs(item).strip() for item in node.findall("listitem")]
            return "\n\n" + "\n".join(items) + "\n\n"
        if tag in ("para", "simplesect"):
            return self.paragraphs(node)
        return self.inline(node)

    def paragraphs(self, node):
        if node is None:
            return ""
        paras = [" ".join(self.inline(p).split(" ")).strip() for p in node.findall("para")]
        if not paras:
            return self.inline(node).strip()
        return "\n\n".join(p for p in paras if p)

    def description(self, member):
        brief = self.paragraphs(member.find("briefdescription"))
        detail = self.paragraphs(member.find("detaileddescription"))
        return "\n\n".join(t for t in (brief, detail) if t)


def text(node):
    return "".join(node.itertext()).strip() if node is not None else ""


def line_of(member):
    location = member.find("location")
    return int(location.get("line", "0")) if location is not None else 0


def load_compounds(xml_dir):
    index = ET.parse(xml_dir / "index.xml").getroot()
    files, structs = {}, {}
    for compound in index.findall("compound"):
        kind, refid = compound.get("kind"), compound.get("refid")
        name = text(compound.find("name"))
        if kind == "file" and name in HEADERS:
            files[name] = ET.parse(xml_dir / f"{refid}.xml").getroot().find("compounddef")
        elif kind == "struct":
            structs[name] = ET.parse(xml_dir / f"{refid}.xml").getroot().find("compounddef")
    missing = [h for h in HEADERS if h not in files]
    if missing:
        sys.exit(f"c_api_markdown: Doxygen's XML in {xml_dir} has no {', '.join(missing)}")
    return files, structs


def members_in_order(compound):
    members = [m for section in compound.findall("sectiondef") for m in section.findall("memberdef")]
    return sorted(members, key=line_of)


def struct_section(name, struct, render):
    lines = [f"### {name}", ""]
    description = render.description(struct)
    if description:
        lines += [description, ""]
    lines += ["| field | type | meaning |", "|---|---|---|"]
    for field in members_in_order(struct):
        field_type = text(field.find("type")) + text(field.find("argsstring"))
        meaning = render.description(field).replace("\n\n", " ").replace("|", "\\|")
        lines.append(f"| `{text(field.find('name'))}` | `{field_type}` | {meaning} |")
    return lines + [""]


def enum_section(member, render):
    name = text(member.find("name"))
    lines = [f"### {name}", "", render.description(member), ""]
    lines += ["| name | value | meaning |", "|---|---|---|"]
    for value in member.findall("enumvalue"):
        initializer = text(value.find("initializer")).lstrip("=").strip()
        meaning = render.description(value).replace("\n\n", " ").replace("|", "\\|")
        lines.append(f"| `{text(value.find('name'))}` | {initializer} | {meaning} |")
    return lines + [""]


def file_entries(compound, structs):
    """The file's members and the structs it declares, in declaration order."""
    entries = [(line_of(m), m) for m in members_in_order(compound)]
    for inner in compound.findall("innerclass"):
        struct = structs.get(text(inner))
        if struct is not None:
            entries.append((line_of(struct), struct))
    return [entry for _, entry in sorted(entries, key=lambda e: e[0])]


def entry_name(entry):
    return text(entry.find("name") if entry.tag == "memberdef" else entry.find("compoundname"))


def member_section(member, structs, render):
    if member.tag == "compounddef":
        return struct_section(entry_name(member), member, render)
    kind, name = member.get("kind"), text(member.find("name"))
    if kind == "enum":
        return enum_section(member, render)
    if kind == "function":
        signature = f"{text(member.find('type'))} {name}{text(member.find('argsstring'))};"
    elif kind == "define":
        signature = f"#define {name} {text(member.find('initializer'))}"
    else:
        signature = text(member.find("definition")) + ";"
    lines = [f"### {name}", "", "```c", signature, "```", ""]
    description = render.description(member)
    return lines + ([description, ""] if description else [])


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: c_api_markdown.py XML_DIR OUT.md DOXYGEN_VERSION")
    xml_dir, out, version = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    files, structs = load_compounds(xml_dir)
    sections = {}
    for compound in files.values():
        for entry in file_entries(compound, structs):
            name = entry_name(entry)
            sections[name] = name
            sections.update((text(v.find("name")), name) for v in entry.findall("enumvalue"))
    render = Renderer(sections)
    page = [
        "# C API reference",
        "",
        "<!-- Generated by `make docs` from the headers below with Doxygen "
        f"{version} and tools/docs/c_api_markdown.py; edit the headers, not this page. -->",
        "",
        "Generated from `platform/include/host/pto_runtime_c_api.h` and "
        "`platform/include/common/pto_status.h` by `make docs`. Link with "
        "`build/<platform>/<runtime>/libpto_host.so`, or open it with `dlopen`.",
        "",
    ]
    for header in HEADERS:
        compound = files[header]
        page += [f"## {header}", "", render.description(compound), ""]
        for entry in file_entries(compound, structs):
            page += member_section(entry, structs, render)
    out.write_text("\n".join(line.rstrip() for line in page).rstrip() + "\n")


if __name__ == "__main__":
    main()

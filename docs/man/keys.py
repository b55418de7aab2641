#!/usr/bin/env python3
"""Fills the key list of pptpd.conf(5) from docs/configuration.md.

    keys.py CONFIGURATION_MD TEMPLATE_SCD OUTPUT_SCD

docs/configuration.md is the one place where keys are documented: its
"## Keys" table gives each key's type and default, the bullets of its
"###" sections ("- `mtu N`, `mru N`: the largest ...") the synopsis and the
first sentence of the description, and its "### poptop keys" table what
becomes of poptop's own keys. The line "@KEYS@" of the template is replaced
by one scdoc entry per key, in the table's order; everything else of the
template is copied. A key of the table without a bullet still gets its
type and default. A table that yields no key is an error, so a change of
the Markdown layout cannot produce an empty page unnoticed.
"""
import re
import sys


def esc(text):
	"""Plain text for scdoc: backslash, '*' and a word-initial '_' would
	be markup."""
	text = text.replace("\\", "\\\\").replace("*", "\\*")
	return re.sub(r"(^|[^A-Za-z0-9])_", r"\1\\_", text)


def inline(md):
	"""One line of the docs' Markdown to scdoc: `code` in bold, [text](url)
	as its text, the rest escaped."""
	md = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", md)
	out = []
	for i, part in enumerate(md.split("`")):
		if i % 2 and part:
			out.append("*" + esc(part) + "*")
		else:
			out.append(esc(part))
	return "".join(out)


def sentences(text):
	"""The sentences of a paragraph: a full stop before a blank or the end,
	not the one of "e.g." or "i.e."."""
	out, start = [], 0
	for m in re.finditer(r"\.(\s|$)", text):
		if re.search(r"\b(e\.g|i\.e|etc|cf)$", text[start:m.start()]):
			continue
		out.append(text[start:m.start() + 1].strip())
		start = m.end()
	if text[start:].strip():
		out.append(text[start:].strip())
	return out


def summary(text):
	"""The first sentence, and the second too when the first is only a
	heading ("failed-login lock-out.")."""
	s = sentences(text)
	if not s:
		return ""
	return " ".join(s[:2]) if len(s[0]) < 40 and len(s) > 1 else s[0]


def cells(line):
	return [c.strip() for c in line.strip().strip("|").split("|")]


def unquote(cell):
	return cell[1:-1] if cell.startswith("`") and cell.endswith("`") else cell


def parse(lines):
	table = []        # (key, type, default) of "## Keys"
	poptop = []       # (key, what) of "### poptop keys"
	bullets = {}      # key -> (synopsis, description)
	texts = []        # every bullet's text, for keys only mentioned in one
	section = None
	i = 0
	while i < len(lines):
		line = lines[i]
		if line.startswith("#"):
			section = line.lstrip("#").strip()
			i += 1
			continue
		if section == "Keys" and line.startswith("| `"):
			c = cells(line)
			table.append((unquote(c[0]), c[1], c[2]))
		elif section == "poptop keys" and line.startswith("| `"):
			c = cells(line)
			poptop.append((unquote(c[0]), c[1]))
		elif line.startswith("- `"):
			# The bullet and its continuation lines (indented, no blank).
			text = line[2:]
			while i + 1 < len(lines) and lines[i + 1].startswith("  ") and \
					not lines[i + 1].startswith("  - "):
				i += 1
				text += " " + lines[i].strip()
			texts.append(text)
			head = re.match(r"((?:`[^`]+`(?:, | and |, and )?)+):\s*(.*)", text)
			if head:
				desc = summary(head.group(2))
				for span in re.findall(r"`([^`]+)`", head.group(1)):
					key = span.split()[0]
					bullets.setdefault(key, (span, desc))
		i += 1
	# A key without a bullet of its own: the sentence of another bullet
	# that names it.
	for key, _, _ in table:
		if key in bullets:
			continue
		for text in texts:
			hit = [x for x in sentences(text) if re.search(r"`" + re.escape(key) + r"[` ]", x)]
			if hit:
				synopsis = re.search(r"`(" + re.escape(key) + r"[^`]*)`", hit[0]).group(1)
				bullets[key] = (synopsis, hit[0])
				break
	return table, poptop, bullets


def render(table, poptop, bullets):
	out = []
	for key, typ, default in table:
		synopsis, desc = bullets.get(key, (key, ""))
		words = synopsis.split(None, 1)
		head = "*" + esc(words[0]) + "*"
		if len(words) > 1:
			head += " " + esc(words[1])
		out.append(head)
		body = inline(typ) + "; default: " + inline(default) + "."
		if desc:
			body += " " + inline(desc[0].upper() + desc[1:])
		out.append("\t" + body)
		out.append("")
	out.append("# POPTOP KEYS")
	out.append("")
	out.append("Keys of poptop's pptpd.conf that have no meaning here:")
	out.append("")
	for key, what in poptop:
		out.append("*" + esc(key) + "*")
		out.append("\t" + inline(what[0].upper() + what[1:]) + ".")
		out.append("")
	return out


def main():
	if len(sys.argv) != 4:
		sys.exit("usage: keys.py CONFIGURATION_MD TEMPLATE_SCD OUTPUT_SCD")
	with open(sys.argv[1], encoding="utf-8") as f:
		table, poptop, bullets = parse(f.read().splitlines())
	if not table or not poptop:
		sys.exit("keys.py: %s: no '## Keys' or '### poptop keys' table rows" % sys.argv[1])
	with open(sys.argv[2], encoding="utf-8") as f:
		template = f.read().splitlines()
	if template.count("@KEYS@") != 1:
		sys.exit("keys.py: %s: needs exactly one @KEYS@ line" % sys.argv[2])
	result = []
	for line in template:
		result.extend(render(table, poptop, bullets) if line == "@KEYS@" else [line])
	with open(sys.argv[3], "w", encoding="utf-8") as f:
		f.write("\n".join(result) + "\n")


if __name__ == "__main__":
	main()

"""The documentation: no file cites anything outside the repository, the README's links resolve,
and the built site (``sphinx-build docs docs/_build/html``, or the folder in MCGEN_DOCS_HTML; the
tests that read it are skipped until it is built) lists every sub-command, option and card key,
has no broken local link or image, and renders in a real browser (Chromium, when installed)."""

from __future__ import annotations

import argparse
import dataclasses
import html
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from mcgen.cli import build_parser
from mcgen.config import cards

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = ("shared" + "/spec", "PHYSICS" + ".md", "DESIGN" + ".md", "../" + "shared")  # (split: this file must not match)
CARD_TABLES = {"card": cards.CardInfo, "beam": cards.Beam, "electroweak": cards.Electroweak, "detector": cards.Detector,
               "selection": cards.Selection, "limit": cards.Limit}


def _tracked_text_files() -> list[Path]:
    if shutil.which("git") and (ROOT / ".git").exists():
        names = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True,
                               check=True).stdout.split()
        paths = [ROOT / n for n in names]
    else:
        paths = [p for p in ROOT.rglob("*") if ".venv" not in p.parts and "_build" not in p.parts]
    return [p for p in paths if p.is_file() and p.suffix in (".py", ".md", ".toml", ".txt", ".cfg", ".json", ".yml", ".yaml", "")]


def test_no_file_cites_a_file_outside_the_repository():
    """Users cannot open the project's private notes: the docs document the physics and design."""
    found = [f"{p.relative_to(ROOT)}:{i}" for p in _tracked_text_files()
             for i, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
             if any(o in line for o in OUTSIDE)]
    assert not found, found


def test_every_assumed_number_of_a_flavour_factory_card_is_listed_in_the_docs():
    """Each key whose line in a belle2, besiii or stcf card says "assumed" is named in that card's
    section of the flavour-factory page (runs: their data sets)."""
    page = (ROOT / "docs" / "physics" / "flavour-factories.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^### (\w+)\n(.*?)(?=^##)", page, flags=re.S | re.M))
    assert set(sections) >= set(cards.FLAVOUR_FACTORY_CARDS)
    found = 0
    for name in cards.FLAVOUR_FACTORY_CARDS:
        for line in cards.resolve_card_path(name).read_text(encoding="utf-8").splitlines():
            key = re.match(r"\s*(\w+)\s*=", line)
            if key and "#" in line and "assumed" in line.split("#", 1)[1]:
                found += 1
                assert f"`{key.group(1)}`" in sections[name], (name, key.group(1))
            elif line.startswith("[[runs]]") and "assumed" in line:
                assert "data sets" in sections[name], name
    assert found > 20


def test_the_readmes_relative_links_resolve():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r'src="([^"]+)"', text)
    local = [t for t in targets if not urlsplit(t).scheme and not t.startswith("#")]
    assert local, "the README links into the docs"
    missing = [t for t in local if not (ROOT / unquote(urlsplit(t).path)).exists()]
    assert not missing, missing


@pytest.fixture(scope="module")
def site() -> Path:
    folder = Path(os.environ.get("MCGEN_DOCS_HTML", ROOT / "docs" / "_build" / "html"))
    if not (folder / "index.html").is_file():
        pytest.skip(f"the docs are not built in {folder} (sphinx-build docs {folder})")
    return folder


def _text(page: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8")))


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


@pytest.mark.docs
def test_the_cli_page_lists_every_subcommand_and_option(site):
    text = _text(site / "reference" / "cli.html")
    missing = []
    for name, sub in _subcommands().items():
        if f"mcgen {name}" not in text and name not in text:
            missing.append(name)
        for action in sub._actions:
            missing += [f"{name} {o}" for o in action.option_strings if o not in text]
    assert not missing, missing


@pytest.mark.docs
def test_the_card_page_lists_every_card_key(site):
    text = _text(site / "reference" / "cards.html")
    missing = [f"[{table}] {f.name}" for table, cls in CARD_TABLES.items() for f in dataclasses.fields(cls) if f.name not in text]
    missing += [name for name in cards.CARD_NAMES if name not in text]
    assert not missing, missing


@pytest.mark.docs
def test_every_local_link_and_image_of_the_site_resolves(site):
    broken = []
    for page in site.rglob("*.html"):
        for target in re.findall(r'(?:href|src)="([^"]+)"', page.read_text(encoding="utf-8")):
            parts = urlsplit(html.unescape(target))
            if parts.scheme or parts.netloc or not parts.path:
                continue
            if not (page.parent / unquote(parts.path)).exists():
                broken.append(f"{page.relative_to(site)} -> {target}")
    assert not broken, broken[:20]


@pytest.mark.docs
@pytest.mark.parametrize("page", ["index.html", "tutorials/events.html", "physics/production.html"])
def test_a_real_browser_renders_the_page(site, tmp_path, page):
    """Chromium draws the page (headless): the screenshot is not blank, the page's content is in
    the DOM the browser built, and a physics page's equations are typeset."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from PIL import Image, ImageStat

    shot = tmp_path / "page.png"
    url = (site / page).as_uri()
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,1600"]
    subprocess.run([chromium, *flags, f"--screenshot={shot}", url], capture_output=True, timeout=120, check=True)
    with Image.open(shot) as image:
        spread = ImageStat.Stat(image.convert("L")).stddev[0]
    assert spread > 10, f"{page}: the screenshot is (almost) blank"
    dom = subprocess.run([chromium, *flags, "--virtual-time-budget=5000", "--dump-dom", url], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert "<h1" in dom and "mcgen" in dom  # the page's content, as the browser built it (its images: the link test)
    if page.startswith("physics/"):  # the equations typeset by the MathJax served with the site (no network)
        assert dom.count("<mjx-container") > 10 and "\\frac" not in dom.split("<mjx-container", 1)[1][:2000]


def test_the_api_page_documents_every_module_with_public_names():
    """Every module with an ``__all__`` (but the CLI's sub-command modules, documented by the CLI
    page, and private ones) has its section on the API page."""
    import importlib
    import pkgutil

    import mcgen

    listed = set(re.findall(r"mcgen-api:: (\S+)", (ROOT / "docs" / "reference" / "api.md").read_text(encoding="utf-8")))
    public = []
    for module in pkgutil.walk_packages(mcgen.__path__, "mcgen."):
        if module.name.startswith("mcgen.cli.") or any(part.startswith("_") for part in module.name.split(".")):
            continue
        if getattr(importlib.import_module(module.name), "__all__", None):
            public.append(module.name)
    assert sorted(set(public) - listed) == []

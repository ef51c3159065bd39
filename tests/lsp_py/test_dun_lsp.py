import os
import pathlib

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

DUN = os.environ.get("DUN_BIN", "dun")
ROOT = pathlib.Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "tests" / "cases" / "valid" / "reference.dun"
URI = REFERENCE.as_uri()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[DUN, "lsp"]))
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(
                general=types.GeneralClientCapabilities(
                    position_encodings=[types.PositionEncodingKind.Utf16]
                )
            ),
            root_uri=ROOT.as_uri(),
        )
    )
    yield
    await lsp_client.shutdown_session()


def open_doc(client: LanguageClient, text: str, version: int = 1):
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=URI, language_id="dun", version=version, text=text
            )
        )
    )


async def diagnostics_for(client: LanguageClient):
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return client.diagnostics[URI]


@pytest.mark.asyncio
async def test_reference_flow_checks_clean(client: LanguageClient):
    open_doc(client, REFERENCE.read_text())
    assert list(await diagnostics_for(client)) == []


@pytest.mark.asyncio
async def test_misspelt_stage_is_reported_with_its_code_and_link(client: LanguageClient):
    text = REFERENCE.read_text().replace("goto calls", "goto calsl", 1)
    open_doc(client, text)
    found = await diagnostics_for(client)
    codes = [d.code for d in found]
    assert "dun::names::unknown_stage" in codes
    d = next(d for d in found if d.code == "dun::names::unknown_stage")
    assert d.severity == types.DiagnosticSeverity.Error
    assert d.code_description.href.endswith("errors.md#dunnamesunknown_stage")
    line = text.splitlines()[d.range.start.line]
    assert line[d.range.start.character : d.range.end.character] == "calsl"


@pytest.mark.asyncio
async def test_hover_and_definition_of_a_stage(client: LanguageClient):
    text = REFERENCE.read_text()
    open_doc(client, text)
    await diagnostics_for(client)
    lines = text.splitlines()
    line = next(i for i, l in enumerate(lines) if l.strip() == "goto calls")
    col = lines[line].index("calls") + 1
    at = types.Position(line=line, character=col)
    doc = types.TextDocumentIdentifier(uri=URI)

    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=doc, position=at)
    )
    assert hover is not None and "stage calls" in hover.contents.value

    target = await client.text_document_definition_async(
        types.DefinitionParams(text_document=doc, position=at)
    )
    target = target if isinstance(target, types.Location) else target[0]
    assert lines[target.range.start.line].startswith("stage calls")


@pytest.mark.asyncio
async def test_formatting_returns_the_canonical_layout(client: LanguageClient):
    text = REFERENCE.read_text().replace("  wait 3 days", "        wait 3 days", 1)
    open_doc(client, text)
    await diagnostics_for(client)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            options=types.FormattingOptions(tab_size=2, insert_spaces=True),
        )
    )
    assert len(edits) == 1
    formatted = edits[0].new_text
    assert "\n  wait 3 days\n" in formatted
    assert "        wait" not in formatted

    # Formatting the formatted text changes nothing.
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=formatted)],
        )
    )
    again = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            options=types.FormattingOptions(tab_size=2, insert_spaces=True),
        )
    )
    assert list(again) == []


@pytest.mark.asyncio
async def test_completion_after_goto_offers_stages(client: LanguageClient):
    text = REFERENCE.read_text().replace("  goto calls\n", "  goto \n", 1)
    open_doc(client, text)
    await diagnostics_for(client)
    lines = text.splitlines()
    line = next(i for i, l in enumerate(lines) if l == "  goto ")
    items = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            position=types.Position(line=line, character=7),
        )
    )
    labels = {i.label for i in (items if isinstance(items, list) else items.items)}
    assert {"calls", "letters", "agency"} <= labels


@pytest.mark.asyncio
async def test_document_highlight_marks_declaration_and_uses(client: LanguageClient):
    text = REFERENCE.read_text()
    open_doc(client, text)
    await diagnostics_for(client)
    lines = text.splitlines()
    line = next(i for i, l in enumerate(lines) if l.strip() == "goto calls")
    found = await client.text_document_document_highlight_async(
        types.DocumentHighlightParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            position=types.Position(line=line, character=lines[line].index("calls")),
        )
    )
    kinds = {lines[h.range.start.line].split()[0]: h.kind for h in found}
    assert kinds["stage"] == types.DocumentHighlightKind.Write
    assert kinds["goto"] == types.DocumentHighlightKind.Read
    for h in found:
        assert lines[h.range.start.line][h.range.start.character : h.range.end.character] == "calls"


@pytest.mark.asyncio
async def test_workspace_symbols_reach_flows_on_disk(client: LanguageClient):
    found = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="plan_offer"))
    places = {(s.name, s.location.uri.rsplit("/", 1)[-1]) for s in found}
    assert ("plan_offer", "bnpl.dun") in places


@pytest.mark.asyncio
async def test_range_formatting_changes_only_the_selected_lines(client: LanguageClient):
    text = REFERENCE.read_text()
    lines = text.splitlines()
    waits = [i for i, l in enumerate(lines) if l.startswith("  wait ") and l[2] != " "]
    assert len(waits) >= 2
    original = lines[waits[0]]
    for i in waits[:2]:
        lines[i] = "      " + lines[i]
    text = "\n".join(lines) + "\n"
    open_doc(client, text)
    await diagnostics_for(client)
    first = waits[0]
    edits = await client.text_document_range_formatting_async(
        types.DocumentRangeFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            range=types.Range(
                start=types.Position(line=first, character=0),
                end=types.Position(line=first, character=5),
            ),
            options=types.FormattingOptions(tab_size=2, insert_spaces=True),
        )
    )
    assert len(edits) == 1
    assert edits[0].range.start.line == first
    assert edits[0].new_text == original + "\n"


BNPL = ROOT / "examples" / "bnpl" / "bnpl.dun"


@pytest.mark.asyncio
async def test_code_lenses_run_the_flow_tests(client: LanguageClient):
    uri = BNPL.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="dun", version=1, text=BNPL.read_text()
            )
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    titles = [lens.command.title for lens in lenses]
    assert titles[0].startswith("Run all tests")
    assert titles.count("Run test") == titles.count("Trace") >= 1
    run_all = lenses[0].command
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=run_all.command, arguments=run_all.arguments)
    )
    assert result["failed"] == 0 and result["passed"] == titles.count("Run test")
    trace = next(lens.command for lens in lenses if lens.command.title == "Trace")
    traced = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=trace.command, arguments=trace.arguments)
    )
    assert traced["trace"].startswith("trace of ")


@pytest.mark.asyncio
async def test_template_file_is_a_document_link(client: LanguageClient):
    text = REFERENCE.read_text()
    open_doc(client, text)
    await diagnostics_for(client)
    links = await client.text_document_document_link_async(
        types.DocumentLinkParams(text_document=types.TextDocumentIdentifier(uri=URI))
    )
    assert links, "the reference flow has a file template"
    for link in links:
        assert pathlib.Path(link.target.removeprefix("file://")).is_file()


@pytest.mark.asyncio
async def test_references_and_rename_reach_template_files(client: LanguageClient):
    text = REFERENCE.read_text()
    open_doc(client, text)
    await diagnostics_for(client)
    template = (REFERENCE.parent / "templates" / "final_demand.txt").resolve()
    template_uri = template.as_uri()
    # `due_date: date` in the account block.
    line = next(i for i, l in enumerate(text.splitlines()) if l.strip().startswith("due_date:"))
    at = types.Position(line=line, character=text.splitlines()[line].index("due_date") + 1)
    refs = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            position=at,
            context=types.ReferenceContext(include_declaration=False),
        )
    )
    in_file = [r for r in refs if r.uri == template_uri]
    file_lines = template.read_text().splitlines()
    expected = next(i for i, l in enumerate(file_lines) if "{account.due_date}" in l)
    assert [r.range.start.line for r in in_file] == [expected]

    edit = await client.text_document_rename_async(
        types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri=URI), position=at, new_name="due_on"
        )
    )
    assert [e.new_text for e in edit.changes[template_uri]] == ["due_on"]
    assert len(edit.changes[URI]) > 1

    # From inside the placeholder of the file.
    inside = types.Position(
        line=expected, character=file_lines[expected].index("due_date") + 2
    )
    prepared = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(
            text_document=types.TextDocumentIdentifier(uri=template_uri), position=inside
        )
    )
    assert prepared.placeholder == "due_date"
    assert prepared.range.start.character == file_lines[expected].index("due_date")


UTILITIES = ROOT / "examples" / "utilities" / "utilities.dun"
REG_F = ROOT / "examples" / "policies" / "reg_f.dun"


@pytest.mark.asyncio
async def test_an_imported_event_is_defined_in_the_shared_file(client: LanguageClient):
    # utilities.dun imports ../policies/reg_f.dun, inside the workspace.
    text = UTILITIES.read_text()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=UTILITIES.as_uri(), language_id="dun", version=1, text=text
            )
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert list(client.diagnostics[UTILITIES.as_uri()]) == []
    line = next(
        i for i, l in enumerate(text.splitlines()) if "receive bankruptcy_filed" in l
    )
    character = text.splitlines()[line].index("bankruptcy_filed") + 3
    found = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=types.TextDocumentIdentifier(uri=UTILITIES.as_uri()),
            position=types.Position(line=line, character=character),
        )
    )
    locations = found if isinstance(found, list) else [found]
    assert [loc.uri for loc in locations] == [REG_F.as_uri()]
    declared = next(
        i for i, l in enumerate(REG_F.read_text().splitlines()) if l.startswith("event bankruptcy_filed")
    )
    assert locations[0].range.start.line == declared

"""Every `.graphql` document and every manifest subscription validates against Saleor's schema, and each
subscription's answer parses into its payload model."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
    validate,
)

from app.saleor import documents
from app.saleor.manifest import manifest_build
from app.saleor.webhooks import REGISTRY


@pytest.mark.parametrize("path", documents.all_paths())
def test_every_graphql_document_validates_against_saleor_schema(saleor_schema, path):
    # given
    document = parse(documents.load(path))
    # when
    errors = validate(saleor_schema, document)
    # then
    assert errors == [], [e.message for e in errors]


@pytest.mark.parametrize("fragment", documents.fragment_paths())
def test_every_shared_fragment_is_imported_and_inlined_once(fragment):
    # given
    importers = [p for p in documents.all_paths() if f'#import "{fragment}"' in documents.resolve(p).read_text()]
    fragment_name = parse(documents.load(fragment)).definitions[0].name.value
    # then: used somewhere, and every document importing it carries its definition exactly once
    assert importers, f"{fragment} is imported by no document"
    for path in importers:
        names = [d.name.value for d in parse(documents.load(path)).definitions if d.kind == "fragment_definition"]
        assert names.count(fragment_name) == 1, path


def test_a_document_importing_a_missing_fragment_fails_to_load(settings, tmp_path):
    # given
    settings.BASE_DIR = tmp_path
    (tmp_path / "q.graphql").write_text('#import "nowhere.graphql"\nquery Q { shop { name } }\n')
    # when / then
    with pytest.raises(FileNotFoundError):
        documents._expand("q.graphql", seen=set())


@pytest.mark.parametrize("definition", list(REGISTRY.values()), ids=list(REGISTRY))
def test_every_subscription_validates_and_names_its_event(saleor_schema, definition):
    # given
    document = parse(definition.query)
    # when
    errors = validate(saleor_schema, document)
    # then
    assert errors == [], [e.message for e in errors]
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    assert operation.operation.value == "subscription"
    assert _event_type_name(operation) == _pascal(definition.event)


def test_manifest_subscriptions_are_the_registry_documents():
    # when
    manifest = manifest_build()
    # then
    assert {w["name"]: w["query"] for w in manifest["webhooks"]} == {
        name: d.query for name, d in REGISTRY.items()
    }


@pytest.mark.parametrize("definition", list(REGISTRY.values()), ids=list(REGISTRY))
def test_subscription_answer_parses_into_its_payload_model(saleor_schema, definition):
    # given: the JSON Saleor would send for this subscription, every selected field filled in
    document = parse(definition.query)
    body = synthesize(saleor_schema, document, definition.event)
    # when
    event = definition.payload_model.model_validate(body)
    # then: the subscribed object came through
    subject = next(k for k in body if k not in {"issuedAt", "version", "issuingPrincipal"})
    assert event.model_dump(by_alias=True)[subject] is not None
    assert event.issued_by_app("SUQ6MQ==")


# --- helpers ---------------------------------------------------------------------------------------
def _pascal(event: str) -> str:
    return "".join(part.capitalize() for part in event.split("_"))


def _event_type_name(operation: OperationDefinitionNode) -> str:
    event_field = operation.selection_set.selections[0]
    assert isinstance(event_field, FieldNode) and event_field.name.value == "event"
    fragments = [s for s in event_field.selection_set.selections if isinstance(s, InlineFragmentNode)]
    assert len(fragments) == 1, "one event type per subscription"
    return fragments[0].type_condition.name.value


def synthesize(schema, document, event: str) -> dict[str, Any]:
    fragments = {d.name.value: d for d in document.definitions if d.kind == "fragment_definition"}
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    event_field = operation.selection_set.selections[0]
    return _object(schema, schema.get_type(_pascal(event)), event_field.selection_set, fragments)


SCALARS = {"ID": "SUQ6MQ==", "String": "text", "Int": 2, "Float": 12.5, "Boolean": True,
           "DateTime": "2026-11-25T03:59:47+00:00", "Decimal": 12.5, "PositiveDecimal": 12.5,
           "UUID": "ab597910-ee4f-48fd-b735-016d366849ed", "JSONString": "{}", "Date": "2026-11-25"}
CURRENCY_FIELDS = {"currency", "currencyCode"}


def _value(schema, gql_type, node: FieldNode, fragments) -> Any:
    while isinstance(gql_type, GraphQLNonNull):
        gql_type = gql_type.of_type
    if isinstance(gql_type, GraphQLList):
        return [_value(schema, gql_type.of_type, node, fragments)]
    if node.name.value in CURRENCY_FIELDS:
        return "USD"
    if node.name.value == "key":
        return "k"
    if isinstance(gql_type, GraphQLEnumType):
        return next(iter(gql_type.values))
    if isinstance(gql_type, GraphQLScalarType):
        return SCALARS[gql_type.name]
    concrete = gql_type if isinstance(gql_type, GraphQLObjectType) else _first_fragment_type(
        schema, gql_type, node.selection_set)
    return _object(schema, concrete, node.selection_set, fragments)


def _first_fragment_type(schema, abstract_type, selection_set: SelectionSetNode):
    for selection in selection_set.selections:
        if isinstance(selection, InlineFragmentNode):
            return schema.get_type(selection.type_condition.name.value)
    return schema.get_possible_types(abstract_type)[0]


def _object(schema, object_type: GraphQLObjectType, selection_set: SelectionSetNode, fragments) -> dict:
    result: dict[str, Any] = {}
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            name = selection.name.value
            key = selection.alias.value if selection.alias else name
            result[key] = object_type.name if name == "__typename" else _value(
                schema, object_type.fields[name].type, selection, fragments)
        elif isinstance(selection, InlineFragmentNode):
            if selection.type_condition.name.value == object_type.name:
                result.update(_object(schema, object_type, selection.selection_set, fragments))
        else:  # fragment spread
            fragment = fragments[selection.name.value]
            result.update(_object(schema, object_type, fragment.selection_set, fragments))
    return result


@pytest.mark.parametrize("path", ["../etc/passwd.graphql", "/etc/hosts", "app/saleor/models.py"],
                         ids=["outside-repo", "absolute", "not-graphql"])
def test_document_paths_stay_inside_the_project(path):
    # when / then
    with pytest.raises(ValueError):
        documents.load(path)

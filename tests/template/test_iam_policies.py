"""The IAM model of tests/iam.py without AWS: the evaluator's rules, the requests it derives from API
calls, and template.yaml's statements (each parses, none is redundant). tests/integration/test_iam.py
runs the scenarios against it."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra import template as tpl
from infra.cli.env import local_names
from infra.local.bootstrap import STACK_NAME
from tests import iam
from tests.iam import Request, Statement, Unsupported

LOCAL = local_names(tpl.load()) | {"AWS::StackName": STACK_NAME}  # what infra.local.bootstrap makes
TABLE = iam.table_arn("ZwrotnicaTable")
DUE = f"{TABLE}/index/due"


def stmt(actions, resources=(), *, keys=None, not_resources=(), sid="S", function="F") -> Statement:
    return Statement(
        function=function,
        policy=f"{function}RolePolicy0",
        sid=sid,
        actions=tuple(actions),
        resources=tuple(resources),
        not_resources=tuple(not_resources),
        leading_keys=None if keys is None else tuple(keys),
    )


def raw(**fields) -> dict:
    return {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": TABLE} | fields


@pytest.fixture(scope="module")
def policies() -> dict[str, list[Statement]]:
    return iam.policies(LOCAL)


# --- Actions and resources -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pattern", "action", "allowed"),
    [
        ("dynamodb:GetItem", "dynamodb:GetItem", True),
        ("DynamoDB:getitem", "dynamodb:GetItem", True),  # actions are case-insensitive
        ("dynamodb:*", "dynamodb:DeleteItem", True),
        ("dynamodb:*Item", "dynamodb:BatchGetItem", True),
        ("dynamodb:Get*", "dynamodb:GetItem", True),
        ("dynamodb:?etItem", "dynamodb:GetItem", True),
        ("dynamodb:Get", "dynamodb:GetItem", False),  # no prefix match without a wildcard
        ("dynamodb:GetItem", "dynamodb:BatchGetItem", False),
        ("s3:*", "dynamodb:GetItem", False),
    ],
)
def test_actions_match_with_iam_wildcards_ignoring_case(pattern, action, allowed):
    assert iam.allows(stmt([pattern], [TABLE]), Request(action, TABLE)) is allowed


@pytest.mark.parametrize(
    ("pattern", "resource", "allowed"),
    [
        (TABLE, TABLE, True),
        (TABLE, DUE, False),  # a table's ARN is not its indexes'
        (f"{TABLE}/index/*", DUE, True),
        (f"{TABLE}*", DUE, True),
        (TABLE.replace("ZwrotnicaTable", "zwrotnicatable"), TABLE, False),  # resources are case-sensitive
        ("arn:aws:s3:::labels/labels/*", "arn:aws:s3:::labels/labels/ZW-1.pdf", True),
        ("arn:aws:s3:::labels/labels/*", "arn:aws:s3:::labels/other/ZW-1.pdf", False),
        ("arn:aws:s3:::labels/[a]*", "arn:aws:s3:::labels/a.pdf", False),  # [ is a character, not a set
        ("arn:aws:s3:::labels/[a]*", "arn:aws:s3:::labels/[a].pdf", True),
        ("*", "arn:aws:sns:eu-central-1:123456789012:TeamTopic", True),
    ],
)
def test_resources_match_with_iam_wildcards_and_case(pattern, resource, allowed):
    assert iam.allows(stmt(["dynamodb:GetItem"], [pattern]), Request("dynamodb:GetItem", resource)) is allowed


def test_not_resource_allows_everything_but_what_it_names():
    sms = stmt(["sns:Publish"], not_resources=["arn:aws:sns:*:*:*"])
    assert iam.allows(sms, Request("sns:Publish", "*"))  # an SMS to a phone number names no ARN
    assert not iam.allows(sms, Request("sns:Publish", "arn:aws:sns:eu-central-1:123456789012:TeamTopic"))


# --- dynamodb:LeadingKeys with ForAllValues:StringLike -------------------------------------------------
def test_every_partition_key_of_a_request_must_match_one_of_the_patterns():
    held = stmt(["dynamodb:DeleteItem", "dynamodb:BatchGetItem"], [TABLE], keys=["UNMATCHED#*", "CMD#*"])
    assert iam.allows(held, Request("dynamodb:DeleteItem", TABLE, ("CMD#abc",)))
    assert iam.allows(held, Request("dynamodb:BatchGetItem", TABLE, ("CMD#a", "UNMATCHED#PAY#1")))
    assert not iam.allows(held, Request("dynamodb:DeleteItem", TABLE, ("ORDER#1001",)))
    # ForAllValues: one key outside the patterns refuses the whole request
    assert not iam.allows(held, Request("dynamodb:BatchGetItem", TABLE, ("CMD#a", "ORDER#1001")))
    # ...and a request without partition keys matches (an empty set satisfies "for all values")
    assert iam.allows(held, Request("dynamodb:DeleteItem", TABLE, ()))


def test_patterns_are_string_like_case_sensitive_and_anchored():
    locks = stmt(["dynamodb:DeleteItem"], [TABLE], keys=["ORDER#*"])
    assert not iam.allows(locks, Request("dynamodb:DeleteItem", TABLE, ("order#1001",)))
    assert not iam.allows(locks, Request("dynamodb:DeleteItem", TABLE, ("XORDER#1001",)))
    one = stmt(["dynamodb:DeleteItem"], [TABLE], keys=["LOGIN#?"])
    assert iam.allows(one, Request("dynamodb:DeleteItem", TABLE, ("LOGIN#a",)))
    assert not iam.allows(one, Request("dynamodb:DeleteItem", TABLE, ("LOGIN#ab",)))


def test_two_statements_do_not_add_up_for_one_request():
    """IAM evaluates each statement on its own: keys split between two statements' patterns are allowed
    by neither (what a BatchGetItem mixing ORDER# and TICKET# keys would meet on the dashboard's role)."""
    orders = stmt(["dynamodb:BatchGetItem"], [TABLE], keys=["ORDER#*"], sid="Orders")
    tickets = stmt(["dynamodb:BatchGetItem"], [TABLE], keys=["TICKET#*"], sid="Tickets")
    mixed = Request("dynamodb:BatchGetItem", TABLE, ("ORDER#1", "TICKET#TK-1"))
    assert iam.allowed([orders, tickets], mixed) == []
    assert iam.allowed([orders, tickets], Request("dynamodb:BatchGetItem", TABLE, ("TICKET#TK-1",))) == [
        tickets
    ]


def test_leading_keys_on_an_index_query_is_not_guessed():
    keyed = stmt(["dynamodb:Query"], [f"{TABLE}/index/*"], keys=["ORDER#*"])
    with pytest.raises(Unsupported):
        iam.allows(keyed, Request("dynamodb:Query", DUE))


# --- What the evaluator refuses to model ----------------------------------------------------------------
@pytest.mark.parametrize(
    "statement",
    [
        raw(Effect="Deny"),
        {"Effect": "Allow", "NotAction": "dynamodb:DeleteItem", "Resource": TABLE},
        raw(Condition={"ForAnyValue:StringLike": {"dynamodb:LeadingKeys": ["ORDER#*"]}}),
        raw(Condition={"StringLike": {"dynamodb:LeadingKeys": ["ORDER#*"]}}),
        raw(Condition={"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["ORDER#1"]}}),
        raw(Condition={"ForAllValues:StringLike": {"dynamodb:Attributes": ["pk"]}}),
        raw(Condition={"Bool": {"aws:SecureTransport": "true"}}),
        raw(Principal="*"),
        raw(NotResource=TABLE),  # Resource and NotResource
        {"Effect": "Allow", "Action": "dynamodb:GetItem"},  # neither
        raw(Resource={"Fn::GetAtt": ["ZwrotnicaTable", "Arn"]}),  # left unresolved
    ],
)
def test_anything_else_is_unsupported_never_a_silent_pass(statement):
    with pytest.raises(Unsupported):
        iam.statement("F", "FRolePolicy0", statement)


def test_the_supported_condition_reads_its_patterns():
    condition = {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["ORDER#*", "CMD#*"]}}
    parsed = iam.statement("F", "FRolePolicy0", raw(Sid="Locks", Condition=condition))
    assert (parsed.sid, parsed.leading_keys, parsed.resources) == ("Locks", ("ORDER#*", "CMD#*"), (TABLE,))


@pytest.mark.parametrize(
    "value",
    [
        {"Fn::Join": ["", ["arn:", "x"]]},
        {"Fn::Sub": ["${X}", {"X": "y"}]},
        {"Fn::GetAtt": ["ZwrotnicaTable", "StreamArn"]},
        {"Ref": "HttpApi"},
    ],
)
def test_intrinsics_the_resolver_does_not_model_are_unsupported(value):
    resolve = iam.Resolver(tpl.load(), LOCAL)
    with pytest.raises(Unsupported):
        resolve(value)


def test_the_resolver_resolves_like_cloudformation():
    local = LOCAL
    resolve = iam.Resolver(tpl.load(), local)
    assert resolve({"Fn::GetAtt": ["ZwrotnicaTable", "Arn"]}) == TABLE
    assert resolve({"Fn::Sub": "${ZwrotnicaTable.Arn}/index/due"}) == DUE
    assert resolve({"Fn::Sub": "${LabelsBucket.Arn}/labels/*"}) == "arn:aws:s3:::labelsbucket/labels/*"
    assert resolve({"Ref": "TeamTopic"}) == local["TeamTopic"]
    assert resolve({"Ref": "ZwrotnicaSecrets"}) == iam.secret_arn("ZwrotnicaSecrets")  # Ref of a secret: ARN
    sub = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${EmailDomain}"
    assert resolve({"Fn::Sub": sub}) == "arn:aws:ses:eu-central-1:123456789012:identity/example.com"
    parameter = (
        "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${AWS::StackName}/api-url"
    )
    assert resolve({"Fn::Sub": parameter}) == iam.arn("ssm", f"parameter/{STACK_NAME}/api-url")
    with pytest.raises(Unsupported):  # a pseudo parameter the local stack does not name
        iam.Resolver(tpl.load(), local_names(tpl.load())).ref("AWS::StackName")


# --- Calls as IAM sees them ---------------------------------------------------------------------------
def key(pk: str) -> dict:
    return {"pk": {"S": pk}, "sk": {"S": "X"}}


def test_a_transaction_is_one_authorization_per_item():
    items = [
        {"Put": {"TableName": "ZwrotnicaTable", "Item": key("ORDER#1")}},
        {"Update": {"TableName": "ZwrotnicaTable", "Key": key("TICKET#T")}},
        {"Delete": {"TableName": "ZwrotnicaTable", "Key": key("CMD#c")}},
        {"ConditionCheck": {"TableName": "ZwrotnicaTable", "Key": key("ORDER#1")}},
    ]
    requests = iam.iam_requests("dynamodb", "TransactWriteItems", {"TransactItems": items})
    assert requests == [
        Request("dynamodb:PutItem", TABLE, ("ORDER#1",)),
        Request("dynamodb:UpdateItem", TABLE, ("TICKET#T",)),
        Request("dynamodb:DeleteItem", TABLE, ("CMD#c",)),
        Request("dynamodb:ConditionCheckItem", TABLE, ("ORDER#1",)),
    ]


def test_batch_reads_carry_every_key_and_queries_their_partition():
    batch = {"RequestItems": {"ZwrotnicaTable": {"Keys": [key("TICKET#a"), key("ORDER#1")]}}}
    assert iam.iam_requests("dynamodb", "BatchGetItem", batch) == [
        Request("dynamodb:BatchGetItem", TABLE, ("TICKET#a", "ORDER#1"))
    ]
    query = {
        "TableName": "ZwrotnicaTable",
        "KeyConditionExpression": "#p = :pk AND begins_with(sk, :s)",
        "ExpressionAttributeNames": {"#p": "pk"},
        "ExpressionAttributeValues": {":pk": {"S": "ORDER#1"}, ":s": {"S": "CASE#"}},
    }
    assert iam.iam_requests("dynamodb", "Query", query) == [Request("dynamodb:Query", TABLE, ("ORDER#1",))]
    on_index = {"TableName": "ZwrotnicaTable", "IndexName": "due", "KeyConditionExpression": "#q = :q"}
    assert iam.iam_requests("dynamodb", "Query", on_index) == [Request("dynamodb:Query", DUE)]
    with pytest.raises(Unsupported):
        iam.iam_requests("dynamodb", "Query", {"TableName": "ZwrotnicaTable", "KeyConditions": {}})


def test_other_services_name_their_resources():
    assert iam.iam_requests("s3", "HeadObject", {"Bucket": "b", "Key": "labels/x.pdf"}) == [
        Request("s3:GetObject", "arn:aws:s3:::b/labels/x.pdf")
    ]
    email = {"FromEmailAddress": '"Sklep, Kraków" <sklep@example.com>', "ConfigurationSetName": "cs"}
    assert iam.iam_requests("sesv2", "SendEmail", email) == [
        Request("ses:SendEmail", "arn:aws:ses:eu-central-1:123456789012:identity/example.com"),
        Request("ses:SendEmail", "arn:aws:ses:eu-central-1:123456789012:configuration-set/cs"),
    ]
    assert iam.iam_requests("sns", "Publish", {"PhoneNumber": "+48600100200"}) == [
        Request("sns:Publish", "*")
    ]
    # an SSM parameter's ARN has no double slash: the name's leading one is dropped
    assert iam.iam_requests("ssm", "GetParameter", {"Name": "/zwrotnica-local/api-url"}) == [
        Request("ssm:GetParameter", "arn:aws:ssm:eu-central-1:123456789012:parameter/zwrotnica-local/api-url")
    ]
    secret = {"SecretId": "ZwrotnicaSecrets"}
    assert iam.iam_requests("secretsmanager", "GetSecretValue", secret) == [
        Request("secretsmanager:GetSecretValue", iam.secret_arn("ZwrotnicaSecrets"))
    ]
    for service, operation in [("sqs", "SendMessage"), ("s3", "CopyObject"), ("ssm", "GetParameters")]:
        with pytest.raises(Unsupported):
            iam.iam_requests(service, operation, {})
    with pytest.raises(Unsupported):  # a SecureString needs kms:Decrypt as well
        iam.iam_requests("ssm", "GetParameter", {"Name": "/x", "WithDecryption": True})


# --- Verdicts over recorded calls ----------------------------------------------------------------------
def call(function: str, request: Request, deferred: bool = False) -> iam.Call:
    return iam.Call(function, "dynamodb", "X", request, deferred, "here")


def test_deferred_work_is_checked_against_the_sweepers_role_too():
    roles = {
        "Form": [stmt(["dynamodb:DeleteItem"], [TABLE], keys=["CMD#*", "ORDER#*"], function="Form")],
        iam.SWEEPER: [stmt(["dynamodb:DeleteItem"], [TABLE], keys=["CMD#*"], function=iam.SWEEPER)],
    }
    lock = Request("dynamodb:DeleteItem", TABLE, ("ORDER#1",))
    assert iam.denied([call("Form", lock)], roles, {}) == []
    [line] = iam.denied([call("Form", lock, deferred=True)], roles, {})
    assert line.startswith(f"{iam.SWEEPER}: dynamodb:DeleteItem") and "deferred: Form ran it first" in line
    # and counts as the sweeper's use of its grant
    done = Request("dynamodb:DeleteItem", TABLE, ("CMD#1",))
    assert [g.statement.function for g in iam.unused([call("Form", done, deferred=True)], roles, {})] == [
        "Form"  # Form's ORDER#* pattern: never needed
    ]


def test_an_index_read_is_checked_in_both_index_stages():
    roles = {"F": [stmt(["dynamodb:Query"], [DUE], function="F")]}
    [line] = iam.denied([call("F", Request("dynamodb:Query", DUE))], roles, {"due": "queue-due"})
    assert "index/queue-due" in line
    both = {"F": [stmt(["dynamodb:Query"], [DUE, f"{TABLE}/index/queue-due"], function="F")]}
    assert iam.denied([call("F", Request("dynamodb:Query", DUE))], both, {"due": "queue-due"}) == []
    assert iam.unused([call("F", Request("dynamodb:Query", DUE))], both, {"due": "queue-due"}) == []


def test_unused_lists_each_action_resource_and_pattern_nothing_needed():
    role = {"F": [stmt(["dynamodb:GetItem", "dynamodb:PutItem"], [TABLE, DUE], keys=["A#*", "B#*"])]}
    used = [call("F", Request("dynamodb:GetItem", TABLE, ("A#1",)))]
    assert sorted(g.short for g in iam.unused(used, role, {})) == [
        "F/S: dynamodb:GetItem dynamodb:table/ZwrotnicaTable keys B#*",
        "F/S: dynamodb:GetItem dynamodb:table/ZwrotnicaTable/index/due keys A#*",
        "F/S: dynamodb:GetItem dynamodb:table/ZwrotnicaTable/index/due keys B#*",
        "F/S: dynamodb:PutItem dynamodb:table/ZwrotnicaTable keys A#*",
        "F/S: dynamodb:PutItem dynamodb:table/ZwrotnicaTable keys B#*",
        "F/S: dynamodb:PutItem dynamodb:table/ZwrotnicaTable/index/due keys A#*",
        "F/S: dynamodb:PutItem dynamodb:table/ZwrotnicaTable/index/due keys B#*",
    ]


def test_redundant_statements_are_found_and_shared_patterns_are_not():
    broad = stmt(["dynamodb:BatchGetItem", "dynamodb:GetItem"], [TABLE], sid="Items")
    narrow = stmt(["dynamodb:BatchGetItem"], [TABLE], keys=["CARRIER#*"], sid="Carriers")
    assert iam.redundant([broad, narrow]) == [
        f"F/Carriers: dynamodb:BatchGetItem {TABLE} is granted by F/Items already"
    ]
    both = stmt(["dynamodb:DeleteItem"], [TABLE], keys=["A#*", "B#*"], sid="Both")
    a = stmt(["dynamodb:DeleteItem"], [TABLE], keys=["A#*"], sid="A")
    b = stmt(["dynamodb:DeleteItem"], [TABLE], keys=["B#*"], sid="B")
    assert iam.redundant([both, a, b]) == [
        f"F/A: dynamodb:DeleteItem {TABLE} is granted by F/Both already",
        f"F/B: dynamodb:DeleteItem {TABLE} is granted by F/Both already",
    ]
    assert iam.redundant([a, b]) == []


# --- template.yaml ---------------------------------------------------------------------------------------
def test_every_function_has_its_statements_and_each_parses():
    policies = iam.policies(LOCAL)  # Unsupported: the template outgrew the evaluator
    functions = set(tpl.resources("AWS::Serverless::Function"))
    assert set(policies) == functions
    for function, statements in policies.items():
        ours = [s for s in statements if s.ours]
        assert ours, f"{function}: no Policies of its own"
        assert all(s.sid for s in ours), f"{function}: a statement without a Sid"
        assert len({s.sid for s in ours}) == len(ours), f"{function}: two statements share a Sid"


def test_no_statement_grants_what_another_of_its_role_grants_already(policies):
    assert [line for statements in policies.values() for line in iam.redundant(statements)] == []


def test_the_model_reads_the_tables_partition_key_and_the_index_stages():
    [table] = tpl.resources("AWS::DynamoDB::Table").values()
    [hash_key] = [k["AttributeName"] for k in table["KeySchema"] if k["KeyType"] == "HASH"]
    assert hash_key == iam.HASH_KEY
    assert iam.index_stages() == {"due": "queue-due", "refs": "lookup"}


def test_the_deferred_entry_points_exist():
    """Where the recorder marks work the sweeper runs again: renamed functions would silently stop it."""
    for path, name in iam.DEFERRED:
        assert f"def {name}(" in Path(path).read_text(encoding="utf-8"), (path, name)
    assert set(iam.handler_functions().values()) == set(tpl.resources("AWS::Serverless::Function"))

"""template.yaml's IAM, checked against the AWS calls the code really makes.

The pieces, used by tests/template/test_iam_policies.py (the evaluator and the statements, no AWS) and
tests/integration/test_iam.py (scenarios on moto):

- `policies()`: each function's IAM statements as deployed: template.yaml after the SAM transform
  (infra.build.template_check), with `!GetAtt ZwrotnicaTable.Arn`, index ARNs and `!Ref` of the secret,
  the bucket and the topics resolved the way CloudFormation resolves them, from the local physical ids
  the tests use (infra.local.bootstrap; infra.cli.env.local_names gives the same without AWS, but for
  the stack's name, bootstrap.STACK_NAME).
- `Recorder`: every AWS call the code makes while a scenario runs, as IAM sees it (`iam_requests`): the
  action, the resource ARN and, for DynamoDB, the partition keys (`dynamodb:LeadingKeys`). A
  TransactWriteItems is one request per item (IAM authorizes Put, Update, Delete and ConditionCheck as
  PutItem, UpdateItem, DeleteItem and ConditionCheckItem); a BatchGetItem one per table with all its keys;
  a Query on an index is on the index's ARN; an SSM parameter's ARN drops its name's leading slash. A
  pre-signed URL would be the function's own GetObject (the link works only while the role may read the
  object); the code makes none since issue 12 (our own signed label links), the model keeps the rule.
  Each call is attributed to the function whose handler module (functions/<name>/) is on the stack, or
  to the operator CLI (infra/cli/); a call neither made is an error unless the test made it inside
  `Recorder.setup()` (seeding, reading state back). Calls made while a follow-up command runs or a
  message is delivered are marked `deferred`: the sweeper runs those too (bus.retry_due,
  bus.retry_messages), whichever function made them first.
- `allowed()`: a small evaluator of Allow statements: `Action` (IAM's wildcards, case-insensitive),
  `Resource` / `NotResource` (wildcards, case-sensitive) and the one condition the template uses,
  `ForAllValues:StringLike` on `dynamodb:LeadingKeys` (every partition key of the request must match one
  of the patterns; a request without partition keys matches, as IAM's ForAllValues does). Anything else
  (Deny, NotAction, another operator or key) raises `Unsupported`: a template that starts using it needs
  this evaluator extended first, never a silent pass.
- The verdicts: `denied()` (calls a role does not allow, in every IndexStage, deferred work against the
  sweeper's role too), `unused()` (grants of our `Policies` no call needed) and `redundant()` (grants
  another statement of the same role gives already).

Not modelled, because nothing here needs it: KMS. The table and the labels use AWS-owned or S3-managed
keys, the secret and the team topic AWS-managed ones (aws/secretsmanager, aws/sns), whose key policies
let every principal of the account use them through their service: no role needs a kms: action.

AWS documentation read for this (search, docs corpus): "Using IAM with DynamoDB transactions" (each action
of a transaction needs the permission of its single-item operation; ConditionCheck needs
dynamodb:ConditionCheckItem); "Using IAM policy conditions for fine-grained access control"
(dynamodb:LeadingKeys is the partition key value, used with ForAllValues).
"""

from __future__ import annotations

import fnmatch
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Any

from infra import template as tpl
from infra.build import template_check

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = ROOT / "functions"
CLI_DIR = ROOT / "infra" / "cli"
TESTS = ROOT / "tests"
OPERATOR = "OperatorCli"  # the person running infra/cli with the permissions README lists
REGION = template_check.PARAMS["AWS::Region"]
ACCOUNT = template_check.PARAMS["AWS::AccountId"]
# The template's only condition operator and key (see the module docstring).
LEADING_KEYS = "dynamodb:LeadingKeys"
SUPPORTED_CONDITIONS = {"ForAllValues:StringLike": {LEADING_KEYS}}


# Where a command runs or a message is delivered: the sweeper does both again (bus.retry_due,
# bus.retry_messages) for work any function stored.
DEFERRED = {
    (FUNCTIONS / "zwrotnica" / "dispatch" / "bus.py", "execute"),
    (FUNCTIONS / "zwrotnica" / "dispatch" / "outbox.py", "deliver"),
}


class Unsupported(Exception):
    """The template (or a call) uses something this evaluator does not model: extend it first."""


# --- Statements ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Statement:
    function: str  # logical id of the function whose role holds it
    policy: str  # the role's inline policy name (SAM: {Function}RolePolicy{n} for `Policies`)
    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    leading_keys: tuple[str, ...] | None = None  # ForAllValues:StringLike patterns, None: no condition

    @property
    def ours(self) -> bool:
        """Written in template.yaml's `Policies` (not added by SAM for the DLQ or the schedules)."""
        return f"{self.function}RolePolicy" in self.policy

    @property
    def label(self) -> str:
        return f"{self.function}/{self.sid or self.policy}"


def _listed(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str) for v in values):
        raise Unsupported(f"unresolved value in a policy: {value!r}")
    return tuple(values)


def statement(function: str, policy: str, raw: dict[str, Any]) -> Statement:
    """One policy statement, resolved, in the evaluator's terms; Unsupported for what it does not model."""
    known = {"Sid", "Effect", "Action", "Resource", "NotResource", "Condition"}
    if set(raw) - known:
        raise Unsupported(f"{function}: statement element(s) {sorted(set(raw) - known)}: {raw}")
    if raw.get("Effect") != "Allow":
        raise Unsupported(f"{function}: only Allow statements are modelled: {raw}")
    leading: tuple[str, ...] | None = None
    for operator, keys in (raw.get("Condition") or {}).items():
        for key, values in keys.items():
            if key not in SUPPORTED_CONDITIONS.get(operator, set()):
                raise Unsupported(f"{function}: condition {operator} {key} is not modelled: {raw}")
            leading = _listed(values)
    if ("Resource" in raw) == ("NotResource" in raw):
        raise Unsupported(f"{function}: a statement needs exactly one of Resource, NotResource: {raw}")
    return Statement(
        function=function,
        policy=policy,
        sid=raw.get("Sid", ""),
        actions=_listed(raw["Action"]),
        resources=_listed(raw.get("Resource")),
        not_resources=_listed(raw.get("NotResource")),
        leading_keys=leading,
    )


def arn(service: str, resource: str, region: str = REGION, account: str = ACCOUNT) -> str:
    return f"arn:aws:{service}:{region}:{account}:{resource}"


def table_arn(name: str) -> str:
    return arn("dynamodb", f"table/{name}")


def secret_arn(secret_id: str) -> str:
    """A secret named or given by ARN (Secrets Manager takes both) as its ARN. The real one ends in
    six random characters; locally the name is the whole id, on both sides of the comparison."""
    return secret_id if secret_id.startswith("arn:") else arn("secretsmanager", f"secret:{secret_id}")


class Resolver:
    """CloudFormation's intrinsic functions over the local physical ids (`local`: logical id -> what
    the tests' stack has: table and bucket names, topic ARNs, the secret's name, the SES domain)."""

    def __init__(self, template: dict[str, Any], local: dict[str, str]) -> None:
        self.template = template
        self.local = local

    def _type(self, logical: str) -> str:
        return self.template["Resources"][logical]["Type"]

    def ref(self, name: str) -> str:
        if name.startswith("AWS::"):  # pseudo parameters: the local stack's (AWS::StackName), else the gate's
            if name in self.local:
                return self.local[name]
            if name in template_check.PARAMS:
                return template_check.PARAMS[name]
            raise Unsupported(f"pseudo parameter {name} has no local value")
        if name in self.template.get("Parameters", {}):
            return str(self.local.get(name, self.template["Parameters"][name].get("Default", "")))
        kind = self._type(name)
        if kind == "AWS::SecretsManager::Secret":
            return secret_arn(self.local[name])  # Ref of a secret is its ARN
        if kind in ("AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::SNS::Topic"):
            return self.local[name]  # table and bucket names, the topic's ARN
        raise Unsupported(f"!Ref {name} ({kind}) is not modelled")

    def get_att(self, name: str, attribute: str) -> str:
        kind = self._type(name)
        if attribute == "Arn" and kind == "AWS::DynamoDB::Table":
            return table_arn(self.local[name])
        if attribute == "Arn" and kind == "AWS::S3::Bucket":
            return f"arn:aws:s3:::{self.local[name]}"
        if attribute == "Arn" and kind == "AWS::SQS::Queue":
            return arn("sqs", name)
        raise Unsupported(f"!GetAtt {name}.{attribute} ({kind}) is not modelled")

    def sub(self, text: str) -> str:
        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if "." in name and not name.startswith("AWS::"):
                return self.get_att(*name.split(".", 1))
            return self.ref(name)

        return re.sub(r"\$\{([A-Za-z0-9:.]+)\}", one, text)

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self(v) for v in value]
        if not isinstance(value, dict):
            return value
        if set(value) == {"Ref"}:
            return self.ref(value["Ref"])
        if set(value) == {"Fn::GetAtt"}:
            target = value["Fn::GetAtt"]
            return self.get_att(*(target if isinstance(target, list) else target.split(".", 1)))
        if set(value) == {"Fn::Sub"}:
            if not isinstance(value["Fn::Sub"], str):
                raise Unsupported(f"Fn::Sub with variables is not modelled: {value}")
            return self.sub(value["Fn::Sub"])
        if len(value) == 1 and next(iter(value)).startswith("Fn::"):
            raise Unsupported(f"{next(iter(value))} is not modelled: {value}")
        return {k: self(v) for k, v in value.items()}


@lru_cache(maxsize=1)
def transformed() -> dict[str, Any]:
    return template_check.transform()


def policies(local: dict[str, str], template: dict[str, Any] | None = None) -> dict[str, list[Statement]]:
    """Function logical id -> every statement of its execution role (inline policies; the managed
    policies SAM attaches, logs and X-Ray, are the runtime's own and never the code's)."""
    out = template or transformed()
    resolve = Resolver(out, local)
    found: dict[str, list[Statement]] = {}
    for name, res in out["Resources"].items():
        if res["Type"] != "AWS::Lambda::Function":
            continue
        role = res["Properties"]["Role"]["Fn::GetAtt"][0]
        statements = []
        for policy in out["Resources"][role]["Properties"].get("Policies", []):
            document = resolve(tpl.resolved(policy["PolicyDocument"], out))
            for raw in document["Statement"]:
                statements.append(statement(name, policy["PolicyName"], raw))
        found[name] = statements
    return found


def handler_functions(template: dict[str, Any] | None = None) -> dict[str, str]:
    """Handler package (functions/<package>/) -> the function's logical id."""
    found = tpl.resources("AWS::Serverless::Function", template)
    return {props["Handler"].split(".", 1)[0]: name for name, props in found.items()}


def index_stages(template: dict[str, Any] | None = None) -> dict[str, str]:
    """Index the code reads now -> the one it reads while a deployed stack migrates (IndexStage): the
    Globals' `*_INDEX` variables are `!If [ReadOldIndexes, old, new]`."""
    variables = (template or tpl.load())["Globals"]["Function"]["Environment"]["Variables"]
    stages = {}
    for name, value in variables.items():
        if name.endswith("_INDEX") and isinstance(value, dict) and "Fn::If" in value:
            _, old, new = value["Fn::If"]
            stages[new] = old
    return stages


# --- Requests as IAM sees them ---------------------------------------------------------------------
@dataclass(frozen=True)
class Request:
    """One authorization IAM makes for a call: action, resource, partition keys (DynamoDB)."""

    action: str
    resource: str
    leading_keys: tuple[str, ...] = ()

    def __str__(self) -> str:
        keys = f" keys={list(self.leading_keys)}" if self.leading_keys else ""
        return f"{self.action} {self.resource}{keys}"


HASH_KEY = "pk"  # the table's partition key (template.yaml KeySchema; checked by a test)


def _scalar(typed: dict[str, Any]) -> str:
    ((_, value),) = typed.items()
    return str(value)


def _key_of(item: dict[str, Any]) -> tuple[str, ...]:
    if HASH_KEY not in item:
        raise Unsupported(f"no partition key {HASH_KEY!r} in {sorted(item)}")
    return (_scalar(item[HASH_KEY]),)


def _query_keys(params: dict[str, Any]) -> tuple[str, ...]:
    """The partition key value a table Query names (`pk = :v` or `#n = :v` in KeyConditionExpression)."""
    if "KeyConditions" in params:
        raise Unsupported("legacy KeyConditions are not modelled; use KeyConditionExpression")
    names = params.get("ExpressionAttributeNames", {})
    values = params.get("ExpressionAttributeValues", {})
    for name, value in re.findall(r"(#?[A-Za-z_][\w]*)\s*=\s*(:[\w]+)", params["KeyConditionExpression"]):
        if names.get(name, name) == HASH_KEY:
            return (_scalar(values[value]),)
    raise Unsupported(f"no partition key condition in {params['KeyConditionExpression']!r}")


def _dynamodb(operation: str, params: dict[str, Any], region: str) -> list[Request]:
    def where(table: str, index: str | None = None) -> str:
        base = arn("dynamodb", f"table/{table}", region)
        return f"{base}/index/{index}" if index else base

    single = {"GetItem": "Key", "PutItem": "Item", "UpdateItem": "Key", "DeleteItem": "Key"}
    if operation in single:
        keys = _key_of(params[single[operation]])
        return [Request(f"dynamodb:{operation}", where(params["TableName"]), keys)]
    if operation == "Query":
        index = params.get("IndexName")
        keys = () if index else _query_keys(params)  # an index's own key is no LeadingKeys value
        return [Request("dynamodb:Query", where(params["TableName"], index), keys)]
    if operation == "Scan":
        return [Request("dynamodb:Scan", where(params["TableName"], params.get("IndexName")))]
    if operation == "BatchGetItem":
        return [
            Request("dynamodb:BatchGetItem", where(table), tuple(_key_of(k)[0] for k in asked["Keys"]))
            for table, asked in params["RequestItems"].items()
        ]
    if operation == "BatchWriteItem":
        out = []
        for table, writes in params["RequestItems"].items():
            keys = [
                _key_of(w["PutRequest"]["Item"] if "PutRequest" in w else w["DeleteRequest"]["Key"])
                for w in writes
            ]
            out.append(Request("dynamodb:BatchWriteItem", where(table), tuple(k[0] for k in keys)))
        return out
    if operation in ("TransactWriteItems", "TransactGetItems"):
        inner = {
            "Put": ("PutItem", "Item"),
            "Update": ("UpdateItem", "Key"),
            "Delete": ("DeleteItem", "Key"),
            "ConditionCheck": ("ConditionCheckItem", "Key"),
            "Get": ("GetItem", "Key"),
        }
        out = []
        for item in params["TransactItems"]:
            ((kind, body),) = item.items()
            action, key = inner[kind]
            out.append(Request(f"dynamodb:{action}", where(body["TableName"]), _key_of(body[key])))
        return out
    if "TableName" in params:
        return [Request(f"dynamodb:{operation}", where(params["TableName"]))]
    raise Unsupported(f"dynamodb {operation} is not modelled")


def _s3(operation: str, params: dict[str, Any]) -> list[Request]:
    objects = {"PutObject": "s3:PutObject", "GetObject": "s3:GetObject", "HeadObject": "s3:GetObject"}
    if operation in objects:  # HeadObject is authorized as s3:GetObject
        return [Request(objects[operation], f"arn:aws:s3:::{params['Bucket']}/{params['Key']}")]
    if operation in ("ListObjectsV2", "ListObjects"):
        return [Request("s3:ListBucket", f"arn:aws:s3:::{params['Bucket']}")]
    if operation == "DeleteObject":
        return [Request("s3:DeleteObject", f"arn:aws:s3:::{params['Bucket']}/{params['Key']}")]
    raise Unsupported(f"s3 {operation} is not modelled")


def _sesv2(operation: str, params: dict[str, Any], region: str) -> list[Request]:
    if operation != "SendEmail":
        raise Unsupported(f"sesv2 {operation} is not modelled")
    sender = params.get("FromEmailAddress")
    if not sender:
        raise Unsupported("SendEmail without FromEmailAddress (raw From header) is not modelled")
    domain = parseaddr(sender)[1].rpartition("@")[2]
    out = [Request("ses:SendEmail", arn("ses", f"identity/{domain}", region))]
    if params.get("ConfigurationSetName"):
        out.append(
            Request(
                "ses:SendEmail", arn("ses", f"configuration-set/{params['ConfigurationSetName']}", region)
            )
        )
    return out


def _sns(operation: str, params: dict[str, Any]) -> list[Request]:
    if operation != "Publish":
        raise Unsupported(f"sns {operation} is not modelled")
    target = params.get("TopicArn") or params.get("TargetArn")
    # An SMS to a phone number names no ARN: only a statement for every resource, or one that excludes
    # the SNS ARNs with NotResource, covers it.
    return [Request("sns:Publish", target or "*")]


def _ssm(operation: str, params: dict[str, Any], region: str) -> list[Request]:
    """A parameter's ARN drops its name's leading slash: `/stack/api-url` is `parameter/stack/api-url`."""
    if operation != "GetParameter":
        raise Unsupported(f"ssm {operation} is not modelled")
    if params.get("WithDecryption"):
        raise Unsupported("a SecureString read (WithDecryption: kms:Decrypt too) is not modelled")
    return [Request("ssm:GetParameter", arn("ssm", f"parameter/{params['Name'].lstrip('/')}", region))]


def _secretsmanager(operation: str, params: dict[str, Any]) -> list[Request]:
    if operation != "GetSecretValue":
        raise Unsupported(f"secretsmanager {operation} is not modelled")
    return [Request("secretsmanager:GetSecretValue", secret_arn(params["SecretId"]))]


def iam_requests(service: str, operation: str, params: dict[str, Any], region: str = REGION) -> list[Request]:
    """What IAM authorizes for one API call (service: botocore's service name)."""
    if service == "dynamodb":
        return _dynamodb(operation, params, region)
    if service == "s3":
        return _s3(operation, params)
    if service == "sesv2":
        return _sesv2(operation, params, region)
    if service == "sns":
        return _sns(operation, params)
    if service == "secretsmanager":
        return _secretsmanager(operation, params)
    if service == "ssm":
        return _ssm(operation, params, region)
    raise Unsupported(f"{service} {operation} is not modelled: add its IAM action and resource here")


# --- The evaluator ---------------------------------------------------------------------------------
def _like(pattern: str, value: str, *, case: bool = True) -> bool:
    """IAM's wildcards: `*` any run of characters, `?` one character (fnmatch's [] escaped away)."""
    pattern = pattern.replace("[", "[[]")
    if not case:
        return fnmatch.fnmatchcase(value.lower(), pattern.lower())
    return fnmatch.fnmatchcase(value, pattern)


def allows(stmt: Statement, request: Request) -> bool:
    if not any(_like(a, request.action, case=False) for a in stmt.actions):
        return False
    if stmt.resources and not any(_like(r, request.resource) for r in stmt.resources):
        return False
    if stmt.not_resources and any(_like(r, request.resource) for r in stmt.not_resources):
        return False
    if stmt.leading_keys is not None:
        if "/index/" in request.resource:
            raise Unsupported(f"{stmt.label}: LeadingKeys on an index query is not documented: {request}")
        return all(any(_like(p, key) for p in stmt.leading_keys) for key in request.leading_keys)
    return True


def allowed(statements: list[Statement], request: Request) -> list[Statement]:
    """The statements that allow the request (empty: IAM denies it: no Deny is modelled, none is used)."""
    return [s for s in statements if allows(s, request)]


# --- The recorder ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Call:
    function: str  # logical id, OPERATOR, or "" for the test's own setup
    service: str
    operation: str
    request: Request
    deferred: bool  # inside a command or a message delivery: the sweeper may run it as well
    where: str  # the innermost frame of our code that made it (for the failure's message)


@dataclass
class Recorder:
    """Every AWS call while active, from every botocore client (the code's cached ones, Powertools'
    own secrets client) and every pre-signed URL. One hook does both: BaseClient._emit_api_params runs
    for each API call (before `before-call`, with the call's own parameters, which `before-call` no
    longer has) and for each generate_presigned_url."""

    calls: list[Call] = field(default_factory=list)
    # Calls the model could not read (Unsupported), and calls no function made outside `setup()`
    errors: list[str] = field(default_factory=list)
    functions: dict[str, str] = field(default_factory=handler_functions)
    preparing: int = 0  # inside `setup()`: the test's own calls (seeding, reading back) are expected

    def _who(self) -> tuple[str, bool, str]:
        frame = sys._getframe(1)
        function, deferred, where, test = "", False, "", ""
        while frame is not None:
            path = Path(frame.f_code.co_filename)
            if not test and TESTS in path.parents:
                test = f"{path.relative_to(ROOT)}:{frame.f_lineno} {frame.f_code.co_name}"
            if not where and FUNCTIONS in path.parents:
                where = f"{path.relative_to(FUNCTIONS)}:{frame.f_lineno} {frame.f_code.co_name}"
            if (path, frame.f_code.co_name) in DEFERRED:
                deferred = True
            if not function and FUNCTIONS in path.parents:
                package = path.relative_to(FUNCTIONS).parts[0]
                if package in self.functions:
                    function = self.functions[package]
                elif package != "zwrotnica":
                    function = f"{package} (no function in template.yaml)"
            if not function and CLI_DIR in path.parents:
                function = OPERATOR
            frame = frame.f_back
        return function, deferred, where or test

    def record(self, client: Any, operation: str, params: dict[str, Any], presign: bool) -> None:
        service = client.meta.service_model.service_name
        function, deferred, where = self._who()
        if not function:
            if not self.preparing:  # a scenario that ran a use case itself proves nothing of a role
                self.errors.append(f"{service} {operation} made by no function, outside setup() ({where})")
            return
        if presign and (service, operation) != ("s3", "GetObject"):
            self.errors.append(f"{function}: pre-signed {service} {operation} is not modelled")
            return
        try:
            requests = iam_requests(service, operation, params, client.meta.region_name)
        except (Unsupported, KeyError) as error:
            self.errors.append(f"{function} {service} {operation} at {where}: {error!r}")
            return
        for request in requests:
            self.calls.append(Call(function, service, operation, request, deferred, where))

    @contextmanager
    def setup(self) -> Iterator[None]:
        """The test's own calls (seeding the table, reading state back): attributed to no function."""
        self.preparing += 1
        try:
            yield
        finally:
            self.preparing -= 1

    @contextmanager
    def active(self) -> Iterator[Recorder]:
        from botocore.client import BaseClient

        original = BaseClient._emit_api_params
        recorder = self

        def emit(self: Any, api_params: dict, operation_model: Any, context: dict) -> dict:
            params = original(self, api_params=api_params, operation_model=operation_model, context=context)
            recorder.record(self, operation_model.name, params, bool(context.get("is_presign_request")))
            return params

        BaseClient._emit_api_params = emit  # type: ignore[method-assign]
        try:
            yield self
        finally:
            BaseClient._emit_api_params = original  # type: ignore[method-assign]

    def of(self, function: str) -> list[Call]:
        return [c for c in self.calls if c.function == function]


# --- The verdicts ----------------------------------------------------------------------------------
SWEEPER = "SlaSweeperFunction"


def denied(calls: list[Call], statements: dict[str, list[Statement]], stages: dict[str, str]) -> list[str]:
    """Every call a function makes that its role does not allow, in every IndexStage (an index read
    now goes to its old twin while a stack migrates), and every deferred call the sweeper would make
    when it runs that command or message again. The operator CLI's calls are checked when `statements`
    holds OPERATOR (its documented permissions); the sweeper's retries of the CLI's commands are. One
    line per distinct denial."""
    out: dict[str, None] = {}
    for call in calls:
        if not call.function or (call.function == OPERATOR and OPERATOR not in statements):
            continue
        who = [call.function] + ([SWEEPER] if call.deferred and call.function != SWEEPER else [])
        for function in who:
            if function not in statements:
                out[f"{function}: no such function in template.yaml ({call.request})"] = None
                continue
            for request in _staged(call.request, stages):
                if not allowed(statements[function], request):
                    why = f" (deferred: {call.function} ran it first)" if function != call.function else ""
                    out[f"{function}: {request} [{call.operation} at {call.where}]{why}"] = None
    return list(out)


def _staged(request: Request, stages: dict[str, str]) -> list[Request]:
    base, _, index = request.resource.partition("/index/")
    if index in stages:
        return [request, Request(request.action, f"{base}/index/{stages[index]}", request.leading_keys)]
    return [request]


@dataclass(frozen=True)
class Grant:
    """One statement's action on one resource (or one LeadingKeys pattern): the unit of least privilege."""

    statement: Statement
    action: str
    resource: str
    pattern: str | None = None  # the LeadingKeys pattern, when the statement has the condition

    def __str__(self) -> str:
        pattern = f" keys {self.pattern}" if self.pattern else ""
        return f"{self.statement.label}: {self.action} {self.resource}{pattern}"

    @property
    def short(self) -> str:
        """As str(), the ARNs without partition, region and account (`dynamodb:table/T/index/due`)."""
        return re.sub(r"arn:aws:([a-z0-9-]+):[a-z0-9-]*:[0-9]*:", r"\1:", str(self))


def grants(statements: list[Statement]) -> list[Grant]:
    out = []
    for stmt in statements:
        if not stmt.ours:
            continue
        for action in stmt.actions:
            for resource in stmt.resources or tuple(f"NOT {r}" for r in stmt.not_resources):
                for pattern in stmt.leading_keys or (None,):
                    out.append(Grant(stmt, action, resource, pattern))
    return out


def unused(calls: list[Call], statements: dict[str, list[Statement]], stages: dict[str, str]) -> list[Grant]:
    """Grants of our `Policies` no recorded call needed. An old-stage index ARN counts as used when
    its new twin was (the code reads one or the other, by IndexStage); a deferred call counts for the
    sweeper too."""
    used: set[tuple[str, str, str, str | None]] = set()
    for call in calls:
        who = {call.function} | ({SWEEPER} if call.deferred else set())
        for function in who & set(statements):
            for request in _staged(call.request, stages):
                for stmt in allowed(statements[function], request):
                    for grant in grants([stmt]):
                        if _covers(grant, request):
                            used.add((function, stmt.sid, grant.action + grant.resource, grant.pattern))
    return [
        grant
        for function, stmts in statements.items()
        for grant in grants(stmts)
        if (function, grant.statement.sid, grant.action + grant.resource, grant.pattern) not in used
    ]


def _covers(grant: Grant, request: Request) -> bool:
    if not _like(grant.action, request.action, case=False):
        return False
    if grant.resource.startswith("NOT "):
        if _like(grant.resource[4:], request.resource):
            return False
    elif not _like(grant.resource, request.resource):
        return False
    if grant.pattern is None:
        return True
    return any(_like(grant.pattern, key) for key in request.leading_keys)


def redundant(statements: list[Statement]) -> list[str]:
    """Actions of our `Policies` that another statement of the same role allows already, on the same
    resource and keys or more: a grant that adds no permission (one of the two is to go). Per
    (statement, action, resource): covered by one other statement that allows the action there (IAM's
    wildcards, the resource read literally) with no LeadingKeys condition, or with patterns that match
    each of this statement's patterns. One covering statement per line: a statement whose patterns two
    others share between them is not redundant (a request naming keys of both is allowed only by it)."""
    out = []
    for stmt in statements:
        if not stmt.ours:
            continue
        for action in stmt.actions:
            targets = stmt.resources or tuple(f"NOT {r}" for r in stmt.not_resources)
            for resource in targets:
                for other in statements:
                    if other is not stmt and _subsumes(other, stmt, action, resource):
                        out.append(f"{stmt.label}: {action} {resource} is granted by {other.label} already")
                        break
    return out


def _subsumes(other: Statement, stmt: Statement, action: str, resource: str) -> bool:
    if not any(_like(a, action, case=False) for a in other.actions):
        return False
    if resource.startswith("NOT "):
        if set(other.not_resources) != set(stmt.not_resources) or other.resources:
            return False
    elif not any(_like(r, resource) for r in other.resources):
        return False
    if other.leading_keys is None:
        return True
    if stmt.leading_keys is None:
        return False
    return all(any(_like(p, mine) for p in other.leading_keys) for mine in stmt.leading_keys)

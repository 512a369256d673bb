"""Where the operator CLI points: the local stack (`--local`) or a deployed stack (`--profile`,
`--region`, `--stack`). Both end as the same environment variables the functions read (settings.py),
set before any boto3 client or setting is created.

AWS: with `--stack NAME` the table, secret, topic and parameters come from the stack (CloudFormation
DescribeStacks and ListStackResources); variables already in the environment win, so `TABLE_NAME=…`
alone works without CloudFormation permissions.
"""

from __future__ import annotations

import os
from typing import Any

from infra import template as tpl

LOCAL_REGION = "eu-central-1"
LOCAL_ACCOUNT = "123456789012"
QUIET = {"POWERTOOLS_LOG_LEVEL": "ERROR", "POWERTOOLS_METRICS_DISABLED": "true"}


def local_names(template: dict[str, Any], region: str = LOCAL_REGION) -> dict[str, str]:
    """Logical id -> what !Ref gives in the local stack; the same names infra.local.bootstrap creates."""
    names: dict[str, str] = {}
    for name in tpl.resources("AWS::DynamoDB::Table", template):
        names[name] = name
    for name in tpl.resources("AWS::SNS::Topic", template):
        names[name] = f"arn:aws:sns:{region}:{LOCAL_ACCOUNT}:{name}"
    for name in tpl.resources("AWS::S3::Bucket", template):
        names[name] = name.lower()
    for name in tpl.resources("AWS::SecretsManager::Secret", template):
        names[name] = name
    return names | {
        "AWS::Region": region,
        "AWS::AccountId": LOCAL_ACCOUNT,
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
    }


def use_local() -> dict[str, str]:
    """The stack `make run` started: moto on MOTO_PORT (5055), the API on PORT (3000)."""
    env = {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{os.environ.get('MOTO_PORT', '5055')}",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": LOCAL_REGION,
        "AWS_REGION": LOCAL_REGION,
    }
    os.environ.pop("AWS_PROFILE", None)
    os.environ.update(env)
    functions = tpl.environment(local_names(tpl.load())) | QUIET  # no INFO log lines in the terminal
    functions["PUBLIC_BASE_URL"] = os.environ.get(
        "PUBLIC_BASE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '3000')}"
    )
    os.environ.update(functions)
    return env | functions


def use_aws(profile: str | None, region: str | None, stack: str | None) -> dict[str, str]:
    """A deployed stack: boto3's default session gets the profile and region; the stack fills the rest."""
    import boto3

    for key, value in QUIET.items():
        os.environ.setdefault(key, value)
    if profile:
        os.environ["AWS_PROFILE"] = profile
    if region:
        os.environ["AWS_DEFAULT_REGION"] = os.environ["AWS_REGION"] = region
    boto3.setup_default_session(profile_name=profile, region_name=region)
    if not stack:
        return {}
    cfn = boto3.client("cloudformation")
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    _, partition, _, stack_region, account, *_ = described["StackId"].split(":")
    resolved = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for page in cfn.get_paginator("list_stack_resources").paginate(StackName=stack)
        for r in page["StackResourceSummaries"]
        if r.get("PhysicalResourceId")
    }
    params = {p["ParameterKey"]: p.get("ParameterValue", "") for p in described.get("Parameters", [])}
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    resolved |= params | {"AWS::Region": stack_region, "AWS::AccountId": account, "AWS::Partition": partition}
    env = tpl.environment(resolved)
    env["PUBLIC_BASE_URL"] = env.get("PUBLIC_BASE_URL") or outputs.get("ApiUrl", "")
    env["REPORT_EMAIL"] = params.get("TeamEmail", "")  # set on the sweeper function, not in Globals
    for key, value in env.items():
        os.environ.setdefault(key, value)
    return env

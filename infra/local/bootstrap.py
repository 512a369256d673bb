"""Create in moto what template.yaml declares: tables, topics, queues, the SES identity, the secret.

Used by `make run` (against the moto server) and by the tests (in-process moto), so a renamed index
or a new table in the template reaches both without a second list.
"""

from __future__ import annotations

import json
from typing import Any

import boto3

from infra import template as tpl

# Local-only secret values: the demo and the tests sign with these. Never used anywhere real.
STACK_NAME = "zwrotnica-local"
DEV_SECRETS = {
    "link_signing_key": "dev-link-signing-key-0123456789abcdef",
    "woocommerce_webhook_secret": "dev-woocommerce-secret",
    "standard_webhooks_secrets": ["whsec_ZHV6eXNla3JldGRvdGVzdG93d2Vid2Vib29rb3c="],
    "case_decision_secrets": ["whsec_ZGVjeXpqZS16ZXNwb2x1LW8tendyb3RhY2gtbG9rYWxuaWU="],
    "shoper_webhook_secret": "dev-shoper-klucz",
    "inpost_webhook_token": "dev-inpost-token-4f1c2a",
    "inpost_api_token": "dev-shipx-api-token",
    "aftership_webhook_secret": "dev-aftership-secret",
    "payu_pos_id": "300746",
    "payu_second_key": "b6ca15b0d1020e8094d9b5f8d163db54",
    "payu_client_id": "300746",
    "payu_client_secret": "2ee86a66e5d97e3fadc400c9f19b065d",
    "p24_merchant_id": 11111,
    "p24_pos_id": 11111,
    "p24_api_key": "dev-p24-api-key",
    "p24_crc": "dev-p24-crc-key",
}


def _param_default(template: dict[str, Any], value: Any) -> Any:
    if isinstance(value, dict) and "Ref" in value:
        return template["Parameters"][value["Ref"]]["Default"]
    return value


def create_tables(template: dict[str, Any], region: str) -> dict[str, str]:
    ddb = boto3.client("dynamodb", region_name=region)
    names = {}
    for name, props in tpl.resources("AWS::DynamoDB::Table", template).items():
        params: dict[str, Any] = {
            "TableName": name,
            "KeySchema": props["KeySchema"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        indexes = tpl.resolved(props.get("GlobalSecondaryIndexes") or [], template)  # !If: the defaults
        if indexes:
            params["GlobalSecondaryIndexes"] = indexes
        ddb.create_table(**params)
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            ddb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
            )
        names[name] = name
    return names


def bootstrap(region: str = "eu-central-1", template: dict[str, Any] | None = None) -> dict[str, str]:
    """Create everything; return logical id → local physical id (name or ARN), as !Ref would."""
    template = template or tpl.load()
    resolved = create_tables(template, region)
    sns = boto3.client("sns", region_name=region)
    for name in tpl.resources("AWS::SNS::Topic", template):
        resolved[name] = sns.create_topic(Name=name)["TopicArn"]
    s3 = boto3.client("s3", region_name=region)
    for name in tpl.resources("AWS::S3::Bucket", template):
        bucket = name.lower()  # bucket names are lower case
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        resolved[name] = bucket
    sqs = boto3.client("sqs", region_name=region)
    for name in tpl.resources("AWS::SQS::Queue", template):
        resolved[name] = sqs.create_queue(QueueName=name)["QueueUrl"]
    ses = boto3.client("sesv2", region_name=region)
    for name, props in tpl.resources("AWS::SES::EmailIdentity", template).items():
        identity = _param_default(template, props["EmailIdentity"])
        ses.create_email_identity(EmailIdentity=identity)
        resolved[name] = identity
    secrets = boto3.client("secretsmanager", region_name=region)
    for name in tpl.resources("AWS::SecretsManager::Secret", template):
        secrets.create_secret(Name=name, SecretString=json.dumps(DEV_SECRETS))
        resolved[name] = name
    resolved |= {
        "AWS::Region": region,
        "AWS::AccountId": "123456789012",
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::StackName": STACK_NAME,
    }
    ssm = boto3.client("ssm", region_name=region)
    for name, props in tpl.resources("AWS::SSM::Parameter", template).items():
        # As the stack writes them; the HTTP API's id is "local" (the gateway's requestContext.apiId).
        values = resolved | {"HttpApi": "local"}
        parameter = tpl.sub(props["Name"]["Fn::Sub"], values, template)
        value = tpl.sub(props["Value"]["Fn::Sub"], values, template)
        ssm.put_parameter(Name=parameter, Value=value, Type="String")
        resolved[name] = parameter
    return resolved

"""Where customer links point comes from the stack, never from a request (issue 12, defect 6): the API's
own URL in an SSM parameter, named in every function's environment, readable by every function that
builds links, and no circular reference on the way (cfn-lint E3004 in test_template checks the whole)."""

from __future__ import annotations

import json

from infra import template as tpl

LINKING = {  # functions whose messages or pages carry links (zwrotnica.context.public_base_url)
    "OrderStatusFunction",
    "CourierWebhookFunction",
    "ReturnFormFunction",
    "TeamDashboardFunction",
    "SlaSweeperFunction",
}


def test_the_api_url_parameter_holds_the_http_apis_own_url():
    [(name, parameter)] = tpl.resources("AWS::SSM::Parameter").items()
    assert parameter["Value"] == {
        "Fn::Sub": "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"
    }
    env = tpl.load()["Globals"]["Function"]["Environment"]["Variables"]
    # Named, not referenced: a !Ref or !GetAtt to it (or to the HttpApi) would be a circular dependency
    assert env["API_URL_PARAMETER"] == parameter["Name"] == {"Fn::Sub": "/${AWS::StackName}/api-url"}
    assert "HttpApi" not in json.dumps(env) and name not in json.dumps(env)


def test_every_function_that_builds_links_may_read_it_and_nothing_else_there():
    functions = tpl.resources("AWS::Serverless::Function")
    account = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}"
    arn = {"Fn::Sub": f"{account}:parameter/${{AWS::StackName}}/api-url"}
    for name in LINKING:
        statements = [s for p in functions[name]["Policies"] for s in p["Statement"]]
        reads = [s for s in statements if "ssm:GetParameter" in json.dumps(s["Action"])]
        assert reads == [s for s in statements if s.get("Sid") == "ApiUrl"], name
        assert [(s["Action"], s["Resource"]) for s in reads] == [("ssm:GetParameter", arn)], name

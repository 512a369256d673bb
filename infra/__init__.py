"""Everything around the functions, one folder per job.

- `local/`: the local stack (moto + a gateway built from template.yaml), the demo.
- `perf/`: `make bench` (cold import, warm latency, units), `make load`, the cost model.
- `cli/`: the operator CLI (`python -m infra.cli`): production code that writes DynamoDB and sends e-mail.
- `build/`: build-time gates and generators: the template gate, docs/openapi.json.
- `template.py`: the one reader of template.yaml that all of them share.
"""

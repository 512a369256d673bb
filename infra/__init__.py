"""What deploys and runs Zwrotnica: local stack, template checks, deploy config."""

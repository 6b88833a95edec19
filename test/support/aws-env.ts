/**
 * The environment for the Python and AWS CLI clients in the server tests: Debian's /usr/bin/python3
 * (with python3-boto3) and /usr/bin/aws (the `python3` first on PATH may be another interpreter),
 * dummy credentials, no config files and no instance metadata lookups.
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';
export const AWS_CLI = '/usr/bin/aws';

export const awsEnv: NodeJS.ProcessEnv = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_PAGER: '',
};

/** Whether boto3 imports under /usr/bin/python3 (installed by .ci/run). */
export const haveBoto3 = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import boto3'], { env: awsEnv }).status === 0;
export const haveAwsCli = existsSync(AWS_CLI);

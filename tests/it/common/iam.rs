//! IAM users in moto for the `keys rotate` tests, made and listed with
//! boto3 (as a user would with the AWS CLI).

use super::*;
use std::process::Command;

/// IAM as boto3 sees it at moto: `create USER N` makes the user and N
/// access keys (prints "ID SECRET" lines), `list USER` prints its key ids.
pub fn iam(args: &[&str]) -> Vec<String> {
    let script = "import boto3, sys\n\
        iam = boto3.client('iam', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='testing', aws_secret_access_key='testing')\n\
        op, user = sys.argv[2], sys.argv[3]\n\
        if op == 'create':\n    iam.create_user(UserName=user)\n    for _ in range(int(sys.argv[4])):\n        k = iam.create_access_key(UserName=user)['AccessKey']\n        print(k['AccessKeyId'], k['SecretAccessKey'])\n\
        else:\n    for k in iam.list_access_keys(UserName=user)['AccessKeyMetadata']:\n        print(k['AccessKeyId'])\n";
    let home = tempfile::tempdir().expect("temp dir");
    let out = Command::new("python3")
        .args(["-c", script, moto()])
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .output()
        .expect("python3");
    assert!(out.status.success(), "boto3: {}", stderr(&out));
    stdout(&out).lines().map(str::to_string).collect()
}

/// A user in this test run's moto, with `keys` access keys: (id, secret).
pub fn iam_user(name: &str, keys: usize) -> (String, Vec<(String, String)>) {
    let name = format!("{name}-{}", std::process::id());
    let pairs = iam(&["create", &name, &keys.to_string()])
        .iter()
        .map(|line| {
            let (id, secret) = line.split_once(' ').expect("id and secret");
            (id.to_string(), secret.to_string())
        })
        .collect();
    (name, pairs)
}

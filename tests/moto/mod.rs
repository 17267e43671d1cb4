//! A moto server on loopback for the AWS tests: started per test on a free 127.0.0.1 port,
//! killed on drop. Tests fail, not skip, when it cannot start.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The ignored virtual environment `.ci/run` installs moto into.
fn venv_bin() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pytools/bin")
}

/// `moto_server`, from the venv or PATH.
fn moto_server() -> PathBuf {
    let local = venv_bin().join("moto_server");
    if local.is_file() {
        return local;
    }
    std::env::var_os("PATH")
        .and_then(|p| std::env::split_paths(&p).map(|d| d.join("moto_server")).find(|p| p.is_file()))
        .unwrap_or_else(|| panic!("{}", HINT))
}

const HINT: &str = "moto_server not found: run `bash .ci/run` once, or \
    `python3 -m venv target/pytools && target/pytools/bin/pip install 'moto[server]>=5.1,<6'`";

/// A running moto server.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// A home of its own for the binary: no real ~/.aws is read.
    pub home: tempfile::TempDir,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP request to the server; the status line and body.
fn http(url: &str, method: &str, path: &str) -> Option<String> {
    let addr = url.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Length: 0\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

impl Moto {
    /// Starts a server and waits until it answers.
    pub fn start() -> Moto {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let child = Command::new(moto_server())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            // moto issues requested ACM certificates after 60 s; a slow run must still see
            // them pending, as AWS keeps them until someone validates them.
            .env("MOTO_ACM_VALIDATION_WAIT", "86400")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start moto_server: {e}\n{HINT}"));
        let url = format!("http://127.0.0.1:{port}");
        let mut moto = Moto { child, url, home: tempfile::tempdir().expect("temp home") };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if http(&moto.url, "GET", "/moto-api/")
                .is_some_and(|r| r.starts_with("HTTP/1.0 200") || r.starts_with("HTTP/1.1 200"))
            {
                return moto;
            }
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("moto_server exited ({status}) before answering\n{HINT}");
            }
            assert!(Instant::now() < deadline, "moto_server did not answer within 60 s\n{HINT}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The environment the binary runs with: static fake credentials, us-east-1, this server,
    /// a temporary home and no instance metadata — nothing can reach a real AWS endpoint.
    pub fn env(&self) -> Vec<(String, String)> {
        let home = self.home.path().display().to_string();
        [
            ("PATH", std::env::var("PATH").unwrap_or_default()),
            ("HOME", home.clone()),
            ("AWS_CONFIG_FILE", format!("{home}/no-config")),
            ("AWS_SHARED_CREDENTIALS_FILE", format!("{home}/no-credentials")),
            ("AWS_ACCESS_KEY_ID", "AKIAFAKEFAKEFAKE1234".into()),
            ("AWS_SECRET_ACCESS_KEY", "fake-secret-never-printed".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
            ("AWS_ENDPOINT_URL", self.url.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// Runs a boto3 script (moto ships boto3) against the server; returns its stdout.
    pub fn python(&self, script: &str) -> String {
        let out = Command::new(venv_bin().join("python"))
            .arg("-c")
            .arg(format!(
                "import boto3, json\nkw = dict(endpoint_url={:?}, region_name='us-east-1', aws_access_key_id='testing', aws_secret_access_key='testing')\n{script}",
                self.url
            ))
            .output()
            .unwrap_or_else(|e| panic!("cannot run the venv's python: {e}\n{HINT}"));
        assert!(out.status.success(), "boto3 script failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// What the seed's stack needs: an ECS cluster, the default VPC and two of its subnets,
    /// as `--param` arguments.
    pub fn seed_params(&self) -> Vec<String> {
        let out = self.python(
            "boto3.client('ecs', **kw).create_cluster(clusterName='apps')\n\
             ec2 = boto3.client('ec2', **kw)\n\
             vpc = ec2.describe_vpcs(Filters=[{'Name': 'isDefault', 'Values': ['true']}])['Vpcs'][0]['VpcId']\n\
             subnets = [s['SubnetId'] for s in ec2.describe_subnets(Filters=[{'Name': 'vpc-id', 'Values': [vpc]}])['Subnets']][:2]\n\
             print(vpc, ','.join(subnets))",
        );
        let (vpc, subnets) = out.trim().split_once(' ').expect("vpc and subnets");
        ["--param", "Cluster=apps", "--param", &format!("VpcId={vpc}"), "--param", &format!("Subnets={subnets}")]
            .map(String::from)
            .to_vec()
    }
}

//! Test PKI (a CA, server and client certificates made with rcgen) and a
//! small HTTP/1.1 exporter on 127.0.0.1, plain or TLS (rustls), that hands
//! each request's head to a handler and answers what it returns.
#![allow(dead_code)]

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub const PAGE: &str = "# TYPE up_requests_total counter\nup_requests_total{code=\"200\"} 7\nup_requests_total{code=\"500\"} 1\nqueue_depth 3\n";

/// A certificate and its key, as PEM files.
pub struct Pem {
    pub cert: PathBuf,
    pub key: PathBuf,
    der: CertificateDer<'static>,
    key_der: Vec<u8>,
}

/// A certificate authority that issues server and client certificates.
pub struct Ca {
    issuer: Issuer<'static, KeyPair>,
    pub cert: PathBuf,
    der: CertificateDer<'static>,
    dir: Arc<tempfile::TempDir>,
    count: Mutex<u32>,
}

impl Ca {
    pub fn new(name: &str) -> Ca {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params.self_signed(&key).unwrap();
        let path = dir.path().join(format!("{name}.pem"));
        std::fs::write(&path, cert.pem()).unwrap();
        Ca {
            issuer: Issuer::new(params, key),
            cert: path,
            der: cert.der().clone(),
            dir,
            count: Mutex::new(0),
        }
    }

    fn issue(&self, names: &[&str], usage: ExtendedKeyUsagePurpose) -> Pem {
        let key = KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let mut params = CertificateParams::new(names.clone()).unwrap();
        params.distinguished_name.push(
            DnType::CommonName,
            names.first().cloned().unwrap_or_default(),
        );
        params.extended_key_usages = vec![usage];
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        let n = {
            let mut c = self.count.lock().unwrap();
            *c += 1;
            *c
        };
        let cert_path = self.dir.path().join(format!("cert{n}.pem"));
        let key_path = self.dir.path().join(format!("key{n}.pem"));
        std::fs::write(&cert_path, cert.pem()).unwrap();
        std::fs::write(&key_path, key.serialize_pem()).unwrap();
        Pem {
            cert: cert_path,
            key: key_path,
            der: cert.der().clone(),
            key_der: key.serialize_der(),
        }
    }

    /// A server certificate for these DNS names or IP addresses.
    pub fn server(&self, names: &[&str]) -> Pem {
        self.issue(names, ExtendedKeyUsagePurpose::ServerAuth)
    }

    /// A client certificate.
    pub fn client(&self, name: &str) -> Pem {
        self.issue(&[name], ExtendedKeyUsagePurpose::ClientAuth)
    }

    /// The server side of TLS with `cert`; client certificates signed by
    /// this CA are required when `require_client` is set.
    pub fn server_config(&self, cert: &Pem, require_client: bool) -> Arc<ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap();
        let builder = if require_client {
            let mut roots = RootCertStore::empty();
            roots.add(self.der.clone()).unwrap();
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key_der.clone()));
        Arc::new(
            builder
                .with_single_cert(vec![cert.der.clone()], key)
                .unwrap(),
        )
    }
}

/// What the server answers: status line and body.
pub struct Answer {
    pub status: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn page() -> Answer {
        Answer::with("200 OK", PAGE)
    }

    pub fn with(status: &'static str, body: &str) -> Answer {
        Answer {
            status,
            headers: vec![],
            body: body.to_string(),
        }
    }

    pub fn redirect(location: &str) -> Answer {
        Answer {
            status: "302 Found",
            headers: vec![("Location".into(), location.to_string())],
            body: String::new(),
        }
    }
}

pub type Handler = Arc<dyn Fn(&str) -> Answer + Send + Sync>;

pub struct Server {
    pub addr: SocketAddr,
    /// Each request's head (lower-cased header names as sent), in order.
    pub heads: Arc<Mutex<Vec<String>>>,
    /// Handshakes that failed, with the server's reason.
    pub tls_errors: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl Server {
    pub fn url(&self, scheme: &str) -> String {
        format!("{scheme}://{}/metrics", self.addr)
    }

    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves on a fresh loopback port, over TLS when `tls` is given.
pub async fn serve(
    tls: Option<Arc<ServerConfig>>,
    handler: impl Fn(&str) -> Answer + Send + Sync + 'static,
) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let heads = Arc::new(Mutex::new(Vec::new()));
    let tls_errors = Arc::new(Mutex::new(Vec::new()));
    let handler: Handler = Arc::new(handler);
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    let (h, e) = (heads.clone(), tls_errors.clone());
    let task = tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let (heads, errors, handler) = (h.clone(), e.clone(), handler.clone());
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                match acceptor {
                    None => answer(sock, &heads, &handler).await,
                    Some(acc) => match acc.accept(sock).await {
                        Ok(stream) => answer(stream, &heads, &handler).await,
                        Err(err) => errors.lock().unwrap().push(err.to_string()),
                    },
                }
            });
        }
    });
    Server {
        addr,
        heads,
        tls_errors,
        task,
    }
}

async fn answer<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    heads: &Mutex<Vec<String>>,
    handler: &Handler,
) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 64 << 10 {
        match s.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    // Read the body too, so that closing never cuts off the sender.
    let head_len = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(buf.len(), |p| p + 4);
    let text = String::from_utf8_lossy(&buf[..head_len]).into_owned();
    let body_len: usize = header(&text, "content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_len + body_len.min(1 << 20) {
        match s.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    heads.lock().unwrap().push(head.clone());
    let a = handler(&head);
    let mut out = format!(
        "HTTP/1.1 {}\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n",
        a.status,
        a.body.len()
    );
    for (k, v) in &a.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(&a.body);
    let _ = s.write_all(out.as_bytes()).await;
    let _ = s.shutdown().await;
}

/// The value of header `name` (case-insensitive) in a request head.
pub fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

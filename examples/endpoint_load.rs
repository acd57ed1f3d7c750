//! Load for the `--server` benchmark (bench/server.py): CLIENTS threads each
//! make REQUESTS credential requests, one connection each, as the SDKs do,
//! and the latency of every request (connect to last byte) is reported.
//!
//!     endpoint_load URL TOKEN CLIENTS REQUESTS [PAUSE_US]
//!
//! With PAUSE_US, each client waits that long after each answer (clients
//! that ask now and then rather than all the time). Prints one line:
//! `requests=N failed=F median_us=M p99_us=P max_us=X per_s=R`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::sync::{Arc, Barrier};
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (url, token, clients, requests, pause) = match args.as_slice() {
        [u, t, c, r] => (u, t, c, r, "0"),
        [u, t, c, r, p] => (u, t, c, r, p.as_str()),
        _ => {
            eprintln!("usage: endpoint_load URL TOKEN CLIENTS REQUESTS [PAUSE_US]");
            return ExitCode::from(2);
        }
    };
    let pause = std::time::Duration::from_micros(pause.parse().unwrap_or(0));
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let (Ok(clients), Ok(requests)) = (clients.parse::<usize>(), requests.parse::<usize>()) else {
        eprintln!("CLIENTS and REQUESTS are numbers");
        return ExitCode::from(2);
    };
    let request = format!("GET / HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {token}\r\n\r\n");
    let start = Arc::new(Barrier::new(clients));
    let began = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let (addr, request, start) = (addr.clone(), request.clone(), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                let mut times = Vec::with_capacity(requests);
                let mut failed = 0;
                for _ in 0..requests {
                    let began = Instant::now();
                    if one(&addr, request.as_bytes()) {
                        times.push(began.elapsed().as_micros() as u64);
                    } else {
                        failed += 1;
                    }
                    if !pause.is_zero() {
                        std::thread::sleep(pause);
                    }
                }
                (times, failed)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut failed = 0;
    for thread in threads {
        if let Ok((times, f)) = thread.join() {
            all.extend(times);
            failed += f;
        }
    }
    let elapsed = began.elapsed().as_secs_f64();
    all.sort_unstable();
    let at = |q: f64| {
        all.get(((all.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(0)
    };
    println!(
        "requests={} failed={failed} median_us={} p99_us={} max_us={} per_s={:.0}",
        all.len(),
        at(0.5),
        at(0.99),
        all.last().copied().unwrap_or(0),
        all.len() as f64 / elapsed
    );
    ExitCode::SUCCESS
}

/// One request on a new connection; true for a complete 200 answer.
fn one(addr: &str, request: &[u8]) -> bool {
    let Ok(mut conn) = TcpStream::connect(addr) else {
        return false;
    };
    let _ = conn.set_nodelay(true);
    if conn.write_all(request).is_err() {
        return false;
    }
    let mut answer = Vec::with_capacity(2048);
    conn.read_to_end(&mut answer).is_ok() && answer.starts_with(b"HTTP/1.1 200 ")
}

//! Per-normalizer throughput on pinned, realistic inputs (mixed locales and
//! formats, as CRM exports have them). Run: `cargo bench --bench normalizers`.
//! Why: each normalizer is on the hot path of every row; these numbers say
//! which one to look at when `normalize` slows down.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use tidyrec::normalize::{boolean, country, date, email, money, name, phone, postal, text};

const PHONES: &[(&str, &str)] = &[
    ("(415) 555-0132", "US"),
    ("+44 20 7946 0958", "GB"),
    ("138-1234-5678", "CN"),
    ("030 1234567", "DE"),
    ("+49 (0)30 1234567", "DE"),
    ("06 12 34 56 78", "FR"),
    ("+33 1 42 68 53 00", "FR"),
    ("090-1234-5678", "JP"),
    ("(11) 98765-4321", "BR"),
    ("912 345 678", "PT"),
    ("98765 43210", "IN"),
    ("0044 20 7946 0958", "GB"),
    ("+1 415 555 0132 x123", "US"),
    ("tel:+1-650-253-0000", "US"),
    ("612 34 56 78", "ES"),
    ("06 1234 5678", "IT"),
];

const DATES: &[&str] = &[
    "2024-05-02",
    "05/02/2024",
    "02.05.2024",
    "2 May 2024",
    "May 2, 2024",
    "2024年5月2日",
    "20240502",
    "2. Mai 2024",
    "2 de maio de 2024",
    "45414",
    "2024-05-02T14:30:00Z",
    "5/2/24",
];

fn bench(c: &mut Criterion) {
    let regions: Vec<(String, Option<usize>)> = PHONES
        .iter()
        .map(|(raw, region)| (raw.to_string(), phone::region(region)))
        .collect();
    // Warm the metadata so the first-call cost is not measured.
    for (raw, region) in &regions {
        let _ = phone::normalize(raw, *region, phone::ExtensionStyle::Rfc3966);
    }
    let mut group = c.benchmark_group("normalizers");
    group.throughput(Throughput::Elements(PHONES.len() as u64));
    group.bench_function("phone (uncached, mixed regions)", |b| {
        b.iter(|| {
            for (raw, region) in &regions {
                black_box(phone::normalize(raw, *region, phone::ExtensionStyle::Rfc3966).ok());
            }
        })
    });
    group.throughput(Throughput::Elements(DATES.len() as u64));
    group.bench_function("date", |b| {
        b.iter(|| {
            for raw in DATES {
                black_box(date::normalize(raw, date::Order::DayFirst, None).ok());
            }
        })
    });
    let emails = [
        "John.Smith@Example.COM",
        " anna@firma.de ",
        "wang.wei@qq.com",
        "bad@",
        "x@y.org",
    ];
    each(&mut group, "email", &emails, |v| {
        drop(black_box(email::normalize(v)))
    });
    let names = [
        "JOHN SMITH",
        "maria garcía",
        "Hans Müller",
        "VAN DER BERG",
        "王伟",
    ];
    each(&mut group, "name", &names, |v| {
        drop(black_box(name::normalize(v, false)))
    });
    let countries = [
        "US",
        "United States",
        "Deutschland",
        "中国",
        "U.K.",
        "Brasil",
    ];
    each(&mut group, "country", &countries, |v| {
        black_box(country::lookup(v));
    });
    let amounts = ["$1,234.50", "1.234,50 €", "R$ 99,90", "12.5", "¥1,000"];
    each(&mut group, "money", &amounts, |v| {
        drop(black_box(money::normalize(v)))
    });
    let bools = ["yes", "No", "1", "是", "false"];
    each(&mut group, "boolean", &bools, |v| {
        black_box(boolean::normalize(v)).ok();
    });
    let zips = ["2134", "sw1a1aa", "10115"];
    each(&mut group, "postal (US)", &zips, |v| {
        drop(black_box(postal::normalize(v, Some("US"))))
    });
    let texts = [
        "Acme Corp",
        "  Acme   Corp ",
        "prefers e-mail:  see history",
        "重要客户",
    ];
    each(&mut group, "text", &texts, |v| {
        drop(black_box(text::clean(v)))
    });
    group.finish();
}

/// Benchmarks `f` over `items`, reporting elements per second.
fn each(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    items: &[&str],
    f: impl Fn(&str),
) {
    group.throughput(Throughput::Elements(items.len() as u64));
    group.bench_function(name, |b| b.iter(|| items.iter().for_each(|v| f(v))));
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! A fingerprint capture against the simulated Vero 2 scanner over an in-memory link, first
//! clean and then with each field failure injected (issue 4, acceptance 1). Every run ends
//! in a capture or a typed error within a bound computed from the driver's timeouts; a
//! hang fails the test instead of blocking the suite.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use jatigi_core::biometrics::{extract, FingerImage};
use jatigi_core::scanner::{
    Battery, ByteFault, CaptureOptions, Faults, FolderSource, ImageFormat, Scanner, ScannerConfig,
    ScannerError, ScannerEvent, SimulatedScanner, SimulatorConfig, SmileLeds, TemplateType,
    Timeouts,
};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fingerprints")
}

/// Timeouts short enough for tests, long enough for the engine to extract a 300 x 300
/// print on the simulated sensor in a debug build on a busy machine.
fn timeouts() -> Timeouts {
    Timeouts {
        command: Duration::from_secs(2),
        image: Duration::from_secs(2),
        retries: 2,
        frame_gap: Duration::from_millis(50),
        poll: Duration::from_millis(5),
    }
}

fn config() -> ScannerConfig {
    ScannerConfig {
        timeouts: timeouts(),
        ..ScannerConfig::default()
    }
}

/// The longest a single command may take before the driver gives up, retries included.
fn command_bound(t: &Timeouts) -> Duration {
    let attempt = t.command.max(t.image) + t.frame_gap * 4 + t.poll * 4;
    attempt * (t.retries + 1)
}

/// The capture flow issues at most this many commands (battery, power state, power on,
/// LEDs, capture and quality per attempt, template, image, LEDs).
fn capture_bound(t: &Timeouts, options: &CaptureOptions) -> Duration {
    command_bound(t) * (8 + 2 * options.no_finger_retries)
}

fn simulator(faults: Faults) -> SimulatedScanner {
    let source = FolderSource::open(&fixtures(), 500).expect("fixture folder");
    SimulatedScanner::new(
        source,
        SimulatorConfig {
            faults,
            ..SimulatorConfig::default()
        },
    )
}

/// Run `f` on its own thread; fail (without blocking the suite) if it outlives `limit`.
fn within<T: Send + 'static>(
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> (T, Duration) {
    let (tx, rx) = mpsc::channel();
    let start = Instant::now();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(value) => (value, start.elapsed()),
        Err(_) => panic!("hung: no result within {limit:?}"),
    }
}

/// Connect to `sim` and run the usual capture once.
fn connect_and_capture(
    sim: &SimulatedScanner,
    options: &CaptureOptions,
) -> Result<jatigi_core::scanner::Capture, ScannerError> {
    let scanner = Scanner::connect(sim.connect(), config())?;
    scanner.capture_fingerprint(options)
}

/// A capture with `faults` injected must end in one of `allowed` outcomes within the
/// bound of the flow's timeouts.
fn capture_with(
    faults: Faults,
) -> (
    Result<jatigi_core::scanner::Capture, ScannerError>,
    SimulatedScanner,
) {
    let options = CaptureOptions::default();
    let bound = command_bound(&timeouts()) * 2 + capture_bound(&timeouts(), &options);
    let (result, elapsed) = within(bound, move || {
        let sim = simulator(faults);
        let result = connect_and_capture(&sim, &options);
        (result, sim)
    });
    assert!(elapsed <= bound, "took {elapsed:?}, bound {bound:?}");
    result
}

#[test]
fn a_full_capture_over_the_simulated_link() {
    let ((), elapsed) = within(Duration::from_secs(30), || {
        let sim = simulator(Faults::default());
        sim.place_finger(2);
        let scanner = Scanner::connect(sim.connect(), config()).expect("connect");
        assert!(scanner.is_connected());
        assert_eq!(scanner.version(), Some(SimulatorConfig::default().version));
        assert_eq!(
            scanner.stm_version().unwrap(),
            SimulatorConfig::default().stm_version
        );

        let battery = scanner.battery().expect("battery");
        assert_eq!(battery, Battery::default());
        assert!((battery.temperature_celsius() - 24.95).abs() < 0.01);

        // The sensor starts powered off, as after its idle timer.
        assert!(!scanner.un20_powered().unwrap());
        let options = CaptureOptions::default();
        let capture = scanner.capture_fingerprint(&options).expect("capture");
        assert!(scanner.un20_powered().unwrap());
        assert_eq!(
            scanner.un20_version().unwrap(),
            SimulatorConfig::default().un20_version
        );
        assert_eq!(
            scanner.events().try_next(),
            Some(ScannerEvent::Un20Power { on: true })
        );

        // What the sensor computed is what the engine computes on the fixture itself.
        let fixture = FingerImage::open(&fixtures().join("f2_1.png"), 500).unwrap();
        let expected = extract(&fixture).unwrap();
        assert_eq!(capture.quality, expected.quality);
        assert!(
            capture.quality >= options.min_quality,
            "quality {}",
            capture.quality
        );
        assert_eq!(capture.template_type, TemplateType::Iso19794_2_2011);
        assert_eq!(capture.jatigi_template().unwrap(), expected);
        assert_eq!(capture.no_finger_retries, 0);
        // The image came as WSQ (the default): pixels within compression error of the
        // fixture, and the file itself kept for the registry.
        let image = capture.image.expect("image");
        assert_eq!((image.width, image.height), (300, 300));
        let mae = jatigi_core::biometrics::wsq::mean_abs_error(&image.pixels, &fixture.pixels);
        assert!(mae < 10.0, "mean absolute error {mae}");
        let wsq_file = capture.wsq.as_deref().expect("WSQ file");
        assert!(wsq_file.len() < fixture.pixels.len() / 8, "{} bytes", wsq_file.len());
        assert_eq!(jatigi_core::biometrics::wsq::decode(wsq_file).unwrap().pixels, image.pixels);
        assert_eq!(sim.leds(), SmileLeds::good_scan());

        // The pieces of the flow, one by one.
        assert_eq!(scanner.image_quality().unwrap(), capture.quality);
        assert_eq!(
            scanner.template(TemplateType::Iso19794_2_2011).unwrap(),
            capture.template
        );
        assert_eq!(scanner.template_types().unwrap(), vec![0x10]);
        assert_eq!(scanner.image_formats().unwrap(), vec![0x00, 0x20]);
        assert_eq!(
            scanner.image(ImageFormat::Raw).unwrap().pixels,
            fixture.pixels
        );
        assert_eq!(scanner.image(ImageFormat::Wsq { ratio: 15 }).unwrap().pixels, image.pixels);
        assert!(matches!(
            scanner.image(ImageFormat::Png),
            Err(ScannerError::Unsupported(_))
        ));
        let preview = scanner
            .show_quality_preview()
            .unwrap()
            .expect("a finger is on the sensor");
        assert_eq!(sim.leds(), SmileLeds::for_quality(preview));
        scanner.set_scan_led(false).unwrap();
        assert!(matches!(
            scanner.capture(1000),
            Err(ScannerError::DpiNotSupported { dpi: 1000 })
        ));

        // LEDs and the trigger.
        scanner.set_smile_leds(&SmileLeds::waiting()).unwrap();
        assert_eq!(scanner.smile_leds().unwrap(), SmileLeds::waiting());
        sim.press_trigger();
        scanner
            .wait_for_trigger(Duration::from_secs(2))
            .expect("trigger press");
        scanner.set_trigger_enabled(false).unwrap();
        sim.press_trigger();
        assert_eq!(
            scanner.wait_for_trigger(Duration::from_millis(100)),
            Err(ScannerError::Timeout {
                command: "trigger press"
            })
        );
        scanner.set_un20_power(false).unwrap();
        assert!(!scanner.un20_powered().unwrap());
    });
    eprintln!("full capture and command tour: {elapsed:?}");
}

#[test]
fn a_dropped_byte_is_recovered_by_a_retry() {
    let (result, sim) = capture_with(Faults {
        seed: 7,
        drop_bytes: ByteFault::new(0.002, 1),
        ..Faults::default()
    });
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(sim.stats().bytes_dropped, 1);
}

#[test]
fn bytes_dropped_all_the_time_end_in_a_typed_error() {
    let (result, sim) = capture_with(Faults {
        seed: 11,
        drop_bytes: ByteFault::new(0.05, u32::MAX),
        ..Faults::default()
    });
    assert!(
        matches!(
            result,
            Err(ScannerError::Protocol(_) | ScannerError::Timeout { .. })
        ),
        "{result:?}"
    );
    assert!(sim.stats().bytes_dropped > 0);
}

#[test]
fn duplicated_bytes_are_recovered_by_a_retry() {
    let (result, sim) = capture_with(Faults {
        seed: 3,
        duplicate_bytes: ByteFault::new(0.002, 2),
        ..Faults::default()
    });
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(sim.stats().bytes_duplicated, 2);
}

#[test]
fn bytes_duplicated_all_the_time_end_in_a_typed_error() {
    let (result, _) = capture_with(Faults {
        seed: 5,
        duplicate_bytes: ByteFault::new(0.05, u32::MAX),
        ..Faults::default()
    });
    assert!(
        matches!(
            result,
            Err(ScannerError::Protocol(_) | ScannerError::Timeout { .. })
        ),
        "{result:?}"
    );
}

#[test]
fn a_slow_scanner_within_the_timeout_still_captures() {
    let (result, _) = capture_with(Faults {
        delay: Duration::from_millis(30),
        ..Faults::default()
    });
    assert!(result.is_ok(), "{result:?}");
}

#[test]
fn a_scanner_slower_than_the_timeout_times_out_after_its_retries() {
    let t = Timeouts {
        command: Duration::from_millis(150),
        image: Duration::from_millis(150),
        ..timeouts()
    };
    let bound = command_bound(&t) * 3;
    let (result, elapsed) = within(bound, move || {
        let sim = simulator(Faults::default());
        let scanner = Scanner::connect(
            sim.connect(),
            ScannerConfig {
                timeouts: t,
                ..config()
            },
        )?;
        // Slower than all three attempts together, so no late answer can rescue one.
        sim.set_faults(Faults {
            delay: Duration::from_secs(2),
            ..Faults::default()
        });
        scanner.battery()
    });
    assert_eq!(
        result,
        Err(ScannerError::Timeout {
            command: "battery percent"
        })
    );
    // Three attempts of 150 ms, and no more.
    assert!(elapsed >= Duration::from_millis(450), "{elapsed:?}");
    assert!(elapsed <= command_bound(&t), "{elapsed:?}");
}

#[test]
fn a_link_dropped_mid_image_is_a_disconnection_and_a_reconnect_captures() {
    let bound = capture_bound(&timeouts(), &CaptureOptions::default()) * 2;
    let ((first, second, events), _) = within(bound, || {
        let sim = simulator(Faults {
            disconnect_mid_image: true,
            ..Faults::default()
        });
        let mut scanner = Scanner::connect(sim.connect(), config()).unwrap();
        let first = scanner.capture_fingerprint(&CaptureOptions::default());
        let events: Vec<_> = std::iter::from_fn(|| scanner.events().try_next()).collect();
        // The stale half image must not leak into the new connection.
        scanner.reconnect(sim.connect()).unwrap();
        let second = scanner.capture_fingerprint(&CaptureOptions::default());
        (first, second, events)
    });
    assert_eq!(first.map(|_| ()), Err(ScannerError::Disconnected));
    assert!(events.contains(&ScannerEvent::Disconnected), "{events:?}");
    let capture = second.expect("capture after reconnecting");
    assert_eq!(capture.image.map(|i| i.pixels.len()), Some(300 * 300));
}

#[test]
fn the_sensors_image_formats_are_asked_once_a_connection() {
    let bound = capture_bound(&timeouts(), &CaptureOptions::default()) * 4;
    let (queries, _) = within(bound, || {
        let sim = simulator(Faults::default());
        let mut scanner = Scanner::connect(sim.connect(), config()).unwrap();
        let wsq = CaptureOptions::default();
        assert!(matches!(wsq.image_format, ImageFormat::Wsq { .. }), "the default asks for WSQ");
        for _ in 0..2 {
            let capture = scanner.capture_fingerprint(&wsq).expect("capture");
            assert!(capture.wsq.is_some(), "the sensor's WSQ file is kept");
        }
        let after_two = sim.stats().image_format_queries;
        // Another link may reach another scanner: ask again.
        scanner.reconnect(sim.connect()).unwrap();
        scanner.capture_fingerprint(&wsq).expect("capture after reconnecting");
        (after_two, sim.stats().image_format_queries)
    });
    assert_eq!(queries, (1, 2));
}

#[test]
fn commands_after_the_link_dropped_say_not_connected() {
    let ((), _) = within(Duration::from_secs(10), || {
        let sim = simulator(Faults::default());
        let scanner = Scanner::connect(sim.connect(), config()).unwrap();
        sim.hang_up();
        let deadline = Instant::now() + Duration::from_secs(2);
        while scanner.is_connected() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(!scanner.is_connected());
        assert_eq!(scanner.battery(), Err(ScannerError::NotConnected));
        assert_eq!(
            scanner.wait_for_trigger(Duration::from_millis(50)),
            Err(ScannerError::Disconnected)
        );
    });
}

#[test]
fn a_flat_battery_refuses_the_capture() {
    let (result, sim) = capture_with(Faults {
        low_battery: true,
        ..Faults::default()
    });
    assert_eq!(
        result.map(|_| ()),
        Err(ScannerError::LowBattery { percent: 3 })
    );
    assert_eq!(sim.stats().captures, 0);
}

#[test]
fn no_finger_is_retried_up_to_the_limit() {
    let (result, _) = capture_with(Faults {
        no_finger: 2,
        ..Faults::default()
    });
    assert_eq!(
        result
            .expect("third capture finds the finger")
            .no_finger_retries,
        2
    );
    let (result, sim) = capture_with(Faults {
        no_finger: 10,
        ..Faults::default()
    });
    assert_eq!(result.map(|_| ()), Err(ScannerError::NoFinger));
    assert_eq!(sim.stats().captures, 3);
    assert_eq!(sim.leds(), SmileLeds::bad_scan());
}

#[test]
fn poor_quality_is_refused_unless_allowed() {
    let (result, sim) = capture_with(Faults {
        poor_quality: Some(25),
        ..Faults::default()
    });
    assert_eq!(
        result.map(|_| ()),
        Err(ScannerError::PoorQuality { quality: 25 })
    );
    assert_eq!(sim.leds(), SmileLeds::bad_scan());
    let ((), _) = within(Duration::from_secs(20), move || {
        let allow = CaptureOptions {
            allow_low_quality: true,
            ..CaptureOptions::default()
        };
        let capture = connect_and_capture(&sim, &allow).expect("low quality allowed");
        assert_eq!(capture.quality, 25);
    });
}

#[test]
fn a_stuck_trigger_is_reported_and_does_not_disturb_commands() {
    let ((), _) = within(Duration::from_secs(20), || {
        let sim = simulator(Faults {
            stuck_trigger: true,
            ..Faults::default()
        });
        let scanner = Scanner::connect(sim.connect(), config()).unwrap();
        let mut outcomes = Vec::new();
        for _ in 0..10 {
            let outcome = scanner.wait_for_trigger(Duration::from_secs(2));
            outcomes.push(outcome.clone());
            if outcome.is_err() {
                break;
            }
        }
        assert_eq!(
            outcomes.last(),
            Some(&Err(ScannerError::TriggerStuck)),
            "{outcomes:?}"
        );
        // Commands go on while the button floods the link with presses.
        scanner
            .capture_fingerprint(&CaptureOptions::default())
            .expect("capture");
        assert!(scanner.events().len() <= jatigi_core::scanner::events::EVENT_QUEUE_CAPACITY);
        // The screen turns the button off; the presses stop.
        scanner.set_trigger_enabled(false).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        while scanner.events().try_next().is_some() {}
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(scanner.events().try_next(), None);
    });
}

#[test]
fn stale_bytes_at_the_start_of_a_connection_are_skipped() {
    let (result, _) = capture_with(Faults {
        seed: 1,
        stale_bytes_on_connect: true,
        ..Faults::default()
    });
    assert!(result.is_ok(), "{result:?}");
}

#[test]
fn a_sensor_powered_off_by_its_idle_timer_is_powered_on_again() {
    let ((), _) = within(Duration::from_secs(20), || {
        let sim = simulator(Faults::default());
        let scanner = Scanner::connect(sim.connect(), config()).unwrap();
        scanner
            .capture_fingerprint(&CaptureOptions::default())
            .unwrap();
        sim.power_off_un20();
        scanner
            .capture_fingerprint(&CaptureOptions::default())
            .expect("capture after idle power-off");
    });
}

#[test]
fn a_second_command_while_one_is_running_is_busy() {
    let ((), _) = within(Duration::from_secs(20), || {
        let sim = simulator(Faults::default());
        let scanner = std::sync::Arc::new(Scanner::connect(sim.connect(), config()).unwrap());
        sim.set_faults(Faults {
            delay: Duration::from_millis(300),
            ..Faults::default()
        });
        let before = sim.stats().commands;
        let slow = {
            let scanner = std::sync::Arc::clone(&scanner);
            std::thread::spawn(move || scanner.battery())
        };
        // Once the scanner has the first battery read (answered after 300 ms), ask for
        // something else.
        let sent = Instant::now();
        while sim.stats().commands <= before && sent.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(2));
        }
        assert_eq!(scanner.stm_version(), Err(ScannerError::Busy));
        assert!(slow.join().unwrap().is_ok());
    });
}

#[test]
fn every_fault_at_once_ends_in_a_capture_or_a_typed_error() {
    for seed in 0..3 {
        let faults = Faults {
            seed,
            drop_bytes: ByteFault::new(0.0002, 3),
            duplicate_bytes: ByteFault::new(0.0002, 3),
            delay: Duration::from_millis(2),
            disconnect_mid_image: true,
            no_finger: 1,
            stuck_trigger: true,
            stale_bytes_on_connect: true,
            ..Faults::default()
        };
        let options = CaptureOptions::default();
        let bound = capture_bound(&timeouts(), &options) * 2 + command_bound(&timeouts()) * 4;
        let ((first, second, stats), elapsed) = within(bound, move || {
            let sim = simulator(faults);
            let mut scanner = match Scanner::connect(sim.connect(), config()) {
                Ok(s) => s,
                Err(e) => return (Err(e), Err(ScannerError::NotConnected), sim.stats()),
            };
            let first = scanner.capture_fingerprint(&options).map(|c| c.quality);
            let second = scanner
                .reconnect(sim.connect())
                .and_then(|_| scanner.capture_fingerprint(&options))
                .map(|c| c.quality);
            (first, second, sim.stats())
        });
        eprintln!("seed {seed}: first {first:?}, second {second:?} in {elapsed:?}; {stats:?}");
        // The link drops during the first image, unless a corrupted answer already failed.
        assert!(first.is_err(), "seed {seed}: {first:?}");
        // Every outcome is a capture or a typed error (the type system guarantees the
        // latter); the second connection normally captures.
        assert!(
            second.is_ok()
                || matches!(
                    second,
                    Err(ScannerError::Protocol(_) | ScannerError::Timeout { .. })
                ),
            "seed {seed}: {second:?}"
        );
        assert!(
            stats.bytes_dropped > 0 && stats.bytes_duplicated > 0,
            "{stats:?}"
        );
        assert!(
            stats.trigger_presses > 0 && stats.connections == 2,
            "{stats:?}"
        );
    }
}

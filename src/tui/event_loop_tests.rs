use super::*;
use crate::frame::ReplayCommand;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;

type Events = mpsc::UnboundedSender<std::io::Result<Event>>;

struct Harness {
    events: Events,
    frames: watch::Sender<Arc<Frame>>,
    commands: mpsc::Receiver<Command>,
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<Outcome>>,
}

fn frame(seq: u64) -> Arc<Frame> {
    Arc::new(Frame {
        seq,
        time_ms: 1_000_000 + seq as i64 * 2000,
        interval: Duration::from_secs(2),
        ..Frame::default()
    })
}

fn start(fps: u32, clock_ms: i64) -> Harness {
    let (events_tx, mut events_rx) = mpsc::unbounded_channel();
    let (frames_tx, frames_rx) = watch::channel(frame(0));
    let (cmd_tx, cmd_rx) = mpsc::channel(4);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        let events = futures_util::stream::poll_fn(move |cx| events_rx.poll_recv(cx));
        let shutdown = std::pin::pin!(async move {
            let _ = stop_rx.await;
        });
        drive(
            &mut terminal,
            events,
            frames_rx,
            cmd_tx,
            &Theme::no_color(),
            View::default(),
            fps,
            shutdown,
            move || clock_ms,
        )
        .await
    });
    Harness {
        events: events_tx,
        frames: frames_tx,
        commands: cmd_rx,
        shutdown: stop_tx,
        task,
    }
}

fn key(c: char) -> std::io::Result<Event> {
    Ok(Event::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::NONE,
    )))
}

/// Lets the loop run for `ms` of paused time.
async fn advance(ms: u64) {
    for _ in 0..ms / 10 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(start_paused = true)]
async fn quits_on_q_after_drawing_once() {
    let h = start(30, 1_000_000);
    advance(5000).await;
    h.events.send(key('q')).unwrap();
    let out = h.task.await.unwrap().unwrap();
    assert_eq!(
        out,
        Outcome {
            end: End::Quit,
            draws: 1
        }
    );
}

#[tokio::test(start_paused = true)]
async fn ctrl_c_quits() {
    let h = start(30, 1_000_000);
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    h.events.send(Ok(Event::Key(ctrl_c))).unwrap();
    assert_eq!(h.task.await.unwrap().unwrap().end, End::Quit);
}

#[tokio::test(start_paused = true)]
async fn redraws_on_new_frames_and_view_changes_only() {
    let h = start(30, 1_000_000);
    advance(100).await;
    h.frames.send(frame(1)).unwrap();
    advance(100).await;
    h.events.send(key('?')).unwrap(); // opens help: redraw
    advance(100).await;
    h.events.send(key('x')).unwrap(); // ignored: no redraw
    advance(100).await;
    h.events.send(Ok(Event::Resize(100, 30))).unwrap();
    advance(100).await;
    h.events.send(key('q')).unwrap();
    assert_eq!(h.task.await.unwrap().unwrap().draws, 4);
}

#[tokio::test(start_paused = true)]
async fn caps_the_redraw_rate() {
    let h = start(10, 1_000_000);
    for i in 1..=200u64 {
        h.frames.send(frame(i)).unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // 200 frames in one second at 10 fps: about 10 draws, and the last
    // frame is drawn.
    advance(500).await;
    h.events.send(key('q')).unwrap();
    let draws = h.task.await.unwrap().unwrap().draws;
    assert!((9..=13).contains(&draws), "{draws} draws");
}

#[tokio::test(start_paused = true)]
async fn stale_data_redraws_every_second() {
    // The clock is 60 s past the frame: stale.
    let h = start(30, 1_000_000 + 60_000);
    advance(3050).await;
    h.events.send(key('q')).unwrap();
    let draws = h.task.await.unwrap().unwrap().draws;
    assert!((3..=5).contains(&draws), "{draws} draws");
}

#[tokio::test(start_paused = true)]
async fn ends_on_signal() {
    let h = start(30, 1_000_000);
    h.shutdown.send(()).unwrap();
    assert_eq!(h.task.await.unwrap().unwrap().end, End::Signal);
}

#[tokio::test(start_paused = true)]
async fn input_errors_end_the_loop_instead_of_spinning() {
    let h = start(30, 1_000_000);
    h.events
        .send(Err(std::io::Error::from_raw_os_error(5)))
        .unwrap();
    let err = h.task.await.unwrap().unwrap_err().to_string();
    assert!(err.starts_with("cannot read the terminal"), "{err}");

    let h = start(30, 1_000_000);
    drop(h.events);
    let err = h.task.await.unwrap().unwrap_err().to_string();
    assert_eq!(err, "the terminal closed its input");
}

#[tokio::test(start_paused = true)]
async fn engine_gone_ends_the_loop() {
    let h = start(30, 1_000_000);
    drop(h.frames);
    let err = h.task.await.unwrap().unwrap_err().to_string();
    assert_eq!(err, "the engine stopped publishing frames");
}

#[tokio::test(start_paused = true)]
async fn r_asks_the_engine_to_reload() {
    let mut h = start(30, 1_000_000);
    h.events.send(key('r')).unwrap();
    assert_eq!(h.commands.recv().await, Some(Command::Reload));
    h.events.send(key('q')).unwrap();
    h.task.await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn replay_keys_go_to_the_player_and_a_replay_is_never_stale() {
    // The clock is an hour past the frame: a live frame would be stale.
    let mut h = start(30, 1_000_000 + 3_600_000);
    h.events.send(key('>')).unwrap();
    advance(100).await;
    assert!(h.commands.try_recv().is_err(), "live: > does nothing");
    let replay = Frame {
        replay: Some(crate::frame::ReplayStatus {
            path: "rec".into(),
            start_ms: 1_000_000,
            end_ms: 1_000_000,
            playing: true,
            speed: 1,
            ..Default::default()
        }),
        ..(*frame(1)).clone()
    };
    h.frames.send(Arc::new(replay)).unwrap();
    advance(100).await;
    for (c, want) in [
        ('>', ReplayCommand::Faster),
        (' ', ReplayCommand::TogglePlay),
    ] {
        h.events.send(key(c)).unwrap();
        assert_eq!(h.commands.recv().await, Some(Command::Replay(want)));
    }
    // Nothing changes on screen by the clock alone: no redraw every
    // second as for stale data.
    advance(5000).await;
    h.events.send(key('q')).unwrap();
    let draws = h.task.await.unwrap().unwrap().draws;
    assert!(draws <= 6, "{draws} draws");
}

/// Runs the loop until `q` and returns its draws and the last screen.
async fn run_keys(
    script: impl FnOnce(Events, watch::Sender<Arc<Frame>>) -> tokio::task::JoinHandle<()>,
) -> (u64, String) {
    let (events_tx, mut events_rx) = mpsc::unbounded_channel();
    let (frames_tx, frames_rx) = watch::channel(frame(0));
    let (cmd_tx, _cmd_rx) = mpsc::channel(4);
    let driver = script(events_tx, frames_tx);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let events = futures_util::stream::poll_fn(move |cx| events_rx.poll_recv(cx));
    let shutdown = std::pin::pin!(std::future::pending::<()>());
    let out = drive(
        &mut terminal,
        events,
        frames_rx,
        cmd_tx,
        &Theme::no_color(),
        View::default(),
        30,
        shutdown,
        || 1_000_000,
    )
    .await
    .unwrap();
    driver.await.unwrap();
    (out.draws, terminal.backend().to_string())
}

#[tokio::test(start_paused = true)]
async fn pause_freezes_the_view_while_frames_arrive_and_resume_jumps_to_the_newest() {
    let (draws, screen) = run_keys(|events, frames| {
        tokio::spawn(async move {
            advance(100).await;
            events.send(key('p')).unwrap(); // draw 2: PAUSED
            advance(100).await;
            for i in 1..=5 {
                frames.send(frame(i)).unwrap(); // no draws while paused
                advance(100).await;
            }
            events.send(key('q')).unwrap();
        })
    })
    .await;
    assert_eq!(draws, 2);
    assert!(screen.contains("PAUSED"), "{screen}");
    assert!(
        screen.contains("updated 00:16:40Z"),
        "still frame 0: {screen}"
    );

    let (draws, screen) = run_keys(|events, frames| {
        tokio::spawn(async move {
            advance(100).await;
            events.send(key('p')).unwrap();
            advance(100).await;
            frames.send(frame(5)).unwrap();
            advance(100).await;
            events.send(key('p')).unwrap(); // resumes on frame 5
            advance(100).await;
            events.send(key('q')).unwrap();
        })
    })
    .await;
    assert_eq!(draws, 3);
    assert!(!screen.contains("PAUSED"), "{screen}");
    assert!(screen.contains("updated 00:16:50Z"), "frame 5: {screen}");
}

#[tokio::test(start_paused = true)]
async fn expr_command_reaches_the_engine() {
    let mut h = start(30, 1_000_000);
    for c in ":expr up".chars() {
        h.events.send(key(c)).unwrap();
    }
    let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
    h.events.send(Ok(Event::Key(enter))).unwrap();
    assert_eq!(h.commands.recv().await, Some(Command::AddExpr("up".into())));
    h.events.send(key('q')).unwrap();
    h.task.await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn theme_command_switches_or_says_why_not() {
    let typed = |line: &'static str| {
        move |events: Events, frames: watch::Sender<Arc<Frame>>| {
            tokio::spawn(async move {
                let _keep_publishing = frames;
                for c in line.chars() {
                    events.send(key(c)).unwrap();
                }
                let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
                events.send(Ok(Event::Key(enter))).unwrap();
                advance(200).await;
                events.send(key('q')).unwrap();
            })
        }
    };
    let (_, screen) = run_keys(typed(":theme light")).await;
    assert!(screen.contains("theme light"), "{screen}");
    let (_, screen) = run_keys(typed(":theme no-such-theme")).await;
    assert!(screen.contains("theme no-such-theme: "), "{screen}");
}

#[tokio::test(start_paused = true)]
async fn paused_a_new_note_shows_on_the_held_frame_and_in_the_export() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("incident.md");
    let line = format!(":export {}", path.display());
    let note = crate::vocab::Note {
        time_ms: 1_000_000,
        author: "oncall@db1".into(),
        text: "paused here".into(),
    };
    let published = Arc::new(Frame {
        notes: Arc::new(vec![note.clone()]),
        ..(*frame(3)).clone()
    });
    let sent = Arc::clone(&published);
    let (_, screen) = run_keys(move |events, frames| {
        tokio::spawn(async move {
            advance(100).await;
            events.send(key('p')).unwrap();
            advance(100).await;
            frames.send(sent).unwrap();
            advance(100).await;
            for c in line.chars() {
                events.send(key(c)).unwrap();
            }
            let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
            events.send(Ok(Event::Key(enter))).unwrap();
            advance(200).await;
            events.send(key('q')).unwrap();
        })
    })
    .await;
    assert!(screen.contains("exported to "), "{screen}");
    // The held frame (seq 0), with the note published since.
    let held = Frame {
        notes: Arc::clone(&published.notes),
        ..(*frame(0)).clone()
    };
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text, crate::report::to_export_markdown(&held));
    assert!(text.contains("note by oncall@db1: paused here"), "{text}");
}

#[tokio::test(start_paused = true)]
async fn export_writes_the_summary_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("incident.md");
    let line = format!(":export {}", path.display());
    let (_, screen) = run_keys(move |events, frames| {
        tokio::spawn(async move {
            let _keep_publishing = frames;
            for c in line.chars() {
                events.send(key(c)).unwrap();
            }
            let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
            events.send(Ok(Event::Key(enter))).unwrap();
            advance(200).await;
            events.send(key('q')).unwrap();
        })
    })
    .await;
    assert!(screen.contains("exported to "), "{screen}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text, crate::report::to_export_markdown(&frame(0)));
}

#[tokio::test(start_paused = true)]
async fn over_a_server_the_rows_in_sight_are_sent_once() {
    let mut h = start(30, 1_000_000);
    advance(100).await;
    assert!(h.commands.try_recv().is_err(), "scraping: nothing sent");
    let rows = ["a:1", "b:1", "c:1"].map(|i| crate::frame::InstanceRow {
        instance: i.into(),
        up: true,
        ..Default::default()
    });
    let mut f = (*frame(1)).clone();
    f.instances = rows.to_vec();
    f.server = Some(crate::frame::ServerStatus::default());
    h.frames.send(Arc::new(f.clone())).unwrap();
    advance(100).await;
    let names = vec!["a:1".to_string(), "b:1".into(), "c:1".into()];
    assert_eq!(
        h.commands.try_recv().ok(),
        Some(Command::TableWindow(names))
    );
    f.seq = 2;
    h.frames.send(Arc::new(f)).unwrap();
    advance(100).await;
    assert!(
        h.commands.try_recv().is_err(),
        "the same rows are not sent again"
    );
    h.events.send(key('q')).unwrap();
    h.task.await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn over_a_server_the_chart_width_is_sent_once() {
    let mut h = start(30, 1_000_000);
    advance(100).await;
    let mut f = (*frame(1)).clone();
    f.panels = vec![crate::frame::Panel {
        id: "a".into(),
        title: "a".into(),
        kind: crate::frame::PanelKind::Graph,
        ..Default::default()
    }];
    h.frames.send(Arc::new(f.clone())).unwrap();
    advance(100).await;
    assert!(h.commands.try_recv().is_err(), "scraping: nothing sent");
    f.seq = 2;
    f.server = Some(crate::frame::ServerStatus::default());
    h.frames.send(Arc::new(f.clone())).unwrap();
    advance(100).await;
    let sent = h.commands.try_recv().ok();
    assert!(
        matches!(sent, Some(Command::ChartWidth(w)) if w > 0 && w < 80),
        "{sent:?}"
    );
    f.seq = 3;
    h.frames.send(Arc::new(f)).unwrap();
    advance(100).await;
    assert!(
        h.commands.try_recv().is_err(),
        "the same width is not sent again"
    );
    h.events.send(key('q')).unwrap();
    h.task.await.unwrap().unwrap();
}

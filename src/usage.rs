//! Reading the command line: clap's parse, then what clap cannot say by
//! itself: an option put before a command it does not belong to, and command
//! words without `--` (answered with the spelling that works). Every usage
//! error exits 2; one of a run whose output is `eval`ed also prints `false`,
//! so that the `eval` fails too.

use crate::cli::{Cli, Command};
use crate::error::{clean, clean_lines};
use crate::output;
use crate::quote;
use crate::stdio;
use clap::error::{ContextKind, ContextValue, Error, ErrorKind};
use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};
use std::ffi::OsString;
use std::io::IsTerminal;
use std::process::ExitCode;

/// The variable that asks for completions: mfa-env's own, so that a
/// `COMPLETE` another tool left in the environment changes no run.
pub const COMPLETE_VAR: &str = "MFA_ENV_COMPLETE";

/// `MFA_ENV_COMPLETE=SHELL mfa-env -- WORDS…` (what the completion scripts run):
/// the completions, then the exit code; None on any other run. A stdout no
/// one reads ends it quietly like any other output.
pub fn complete() -> Option<ExitCode> {
    // Every run passes here: without the variable, nothing else is done.
    crate::snapshot::Snapshot::current().var_os(COMPLETE_VAR)?;
    let cwd = std::env::current_dir().ok();
    let done = clap_complete::CompleteEnv::with_factory(Cli::command)
        .var(COMPLETE_VAR)
        .try_complete(std::env::args_os(), cwd.as_deref())
        .and_then(|done| {
            use std::io::Write;
            std::io::stdout().flush()?;
            Ok(done)
        });
    match done {
        Ok(false) => None,
        Ok(true) => Some(ExitCode::SUCCESS),
        Err(err) => {
            // clap keeps an io::Error as its text only.
            let broken = std::io::Error::from(std::io::ErrorKind::BrokenPipe).to_string();
            let epipe = std::io::Error::from_raw_os_error(rustix::io::Errno::PIPE.raw_os_error());
            let text = err.to_string();
            let closed = err.kind() == ErrorKind::Io
                && (text.contains(&epipe.to_string()) || text.contains(&broken));
            if closed {
                return Some(ExitCode::from(stdio::CLOSED_PIPE));
            }
            stdio::err(&format!(
                "{}\n",
                clean_lines(err.render().to_string().trim_end())
            ));
            Some(ExitCode::from(2))
        }
    }
}

/// The parsed command line, or the exit code after clap's message (help and
/// --version included).
pub fn parse() -> Result<Cli, ExitCode> {
    let args: Vec<OsString> = std::env::args_os().collect();
    // The command is built once on the way to a run (it costs memory and
    // time on every cache hit); again only to word a refusal.
    let refused = match Cli::command().try_get_matches_from(&args) {
        Ok(matches) => match misplaced(&matches) {
            Some(err) => err,
            None => match Cli::from_arg_matches(&matches) {
                Ok(cli) => match stray_words(&cli).and_then(|words| words.first()) {
                    Some(first) if is_option(first) => unknown_option(&cli, first),
                    Some(_) => match stray(&cli, &matches, &args) {
                        Some(hint) => Cli::command().error(ErrorKind::InvalidSubcommand, hint),
                        None => return Ok(cli),
                    },
                    None => return Ok(cli),
                },
                Err(err) => err,
            },
        },
        Err(err) => err,
    };
    Err(refuse(&refused, &args))
}

/// The words taken as no command (refused), if any.
fn stray_words(cli: &Cli) -> Option<&[OsString]> {
    match &cli.command {
        None => Some(&cli.stray),
        Some(Command::Exec { stray, .. }) => Some(stray),
        _ => None,
    }
}

fn is_option(word: &OsString) -> bool {
    word.to_string_lossy().starts_with('-') && word != "-"
}

/// An option clap does not know, taken first as a stray word (`--duraton
/// 1h`): refused as clap refuses one elsewhere ("a similar argument exists:
/// '--duration'"), not as a command to run.
fn unknown_option(cli: &Cli, word: &OsString) -> Error {
    let word = word.to_string_lossy().into_owned();
    let mut top = Cli::command();
    top.build();
    let command = match &cli.command {
        Some(Command::Exec { .. }) => top.find_subcommand("exec").cloned(),
        _ => None,
    };
    let mut command = command.unwrap_or(top);
    let name = word.trim_start_matches('-');
    let name = name.split_once('=').map_or(name, |(name, _)| name);
    let longs = command.get_arguments().filter_map(|a| a.get_long());
    let similar = word
        .starts_with("--")
        .then(|| most_like(name, longs, 0.7))
        .flatten();
    let mut err = Error::new(ErrorKind::UnknownArgument).with_cmd(&command);
    err.insert(ContextKind::InvalidArg, ContextValue::String(word));
    if let Some(similar) = similar {
        err.insert(
            ContextKind::SuggestedArg,
            ContextValue::String(format!("--{similar}")),
        );
    }
    err.insert(
        ContextKind::Usage,
        ContextValue::StyledStr(command.render_usage()),
    );
    err
}

/// clap's refusal of an unknown option without its tip "to pass '--x' as a
/// value, use '-- --x'": a command line that would run the mistyped option.
fn without_run_tip(err: &Error) -> Option<Error> {
    if err.kind() != ErrorKind::UnknownArgument || err.get(ContextKind::Suggested).is_none() {
        return None;
    }
    let mut plain = Error::new(err.kind()).with_cmd(&Cli::command());
    for (kind, value) in err.context() {
        if kind != ContextKind::Suggested {
            plain.insert(kind, value.clone());
        }
    }
    Some(plain)
}

/// Prints clap's message (and `false` for an `eval`); the exit code.
fn refuse(err: &Error, args: &[OsString]) -> ExitCode {
    let plain = without_run_tip(err);
    let err = plain.as_ref().unwrap_or(err);
    if err.use_stderr() {
        output::print_failed(evaled(args));
    }
    // clap's message, through the one output path (EPIPE ends the run).
    let styled = err.render();
    let terminal = if err.use_stderr() {
        std::io::stderr().is_terminal()
    } else {
        std::io::stdout().is_terminal()
    };
    // clap repeats the words typed: control and bidi characters among them
    // are removed (with clap's colours) as from mfa-env's own messages.
    let typed = |a: &OsString| {
        let word = a.to_string_lossy();
        clean(&word) == word
    };
    let text = if !args.iter().all(typed) {
        clean_lines(&styled.to_string())
    } else if terminal {
        styled.ansi().to_string()
    } else {
        styled.to_string()
    };
    if err.use_stderr() {
        stdio::err(&text);
    } else if let Err(err) = stdio::out(&text) {
        stdio::err(&format!("mfa-env: {err}\n"));
        return ExitCode::from(1);
    }
    ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2))
}

/// The format of the default run these words were meant as (its output is
/// `eval`ed), as far as clap can tell; None for any other command.
fn evaled(args: &[OsString]) -> Option<output::Format> {
    // A command to run (`-- CMD`), even after words clap refused.
    if args.iter().skip(1).any(|a| a == "--") {
        return None;
    }
    let command = Cli::command().ignore_errors(true);
    let matches = command.clone().try_get_matches_from(args).ok()?;
    if let Some(name) = matches.subcommand_name() {
        command.find_subcommand(name).is_none().then_some(())?;
    }
    if matches
        .get_raw("exec")
        .is_some_and(|mut v| v.next().is_some())
    {
        return None;
    }
    match matches.try_get_one::<output::Format>("format") {
        Ok(Some(format)) => Some(*format),
        _ => Some(output::Format::Sh),
    }
}

/// An option of the default run given before a command (`mfa-env -d 1h
/// status`): clap takes it for the default run's, so it is refused here.
fn misplaced(matches: &ArgMatches) -> Option<Error> {
    let (name, _) = matches.subcommand()?;
    let given = matches.ids().find(|id| {
        !["quiet", "verbose"].contains(&id.as_str())
            && matches.value_source(id.as_str()) == Some(ValueSource::CommandLine)
    })?;
    let command = Cli::command();
    let sub = command.find_subcommand(name)?;
    let arg = command.get_arguments().find(|arg| arg.get_id() == given)?;
    let flag = match (arg.get_long(), arg.get_short()) {
        (Some(long), _) => format!("--{long}"),
        (None, Some(short)) => format!("-{short}"),
        (None, None) => arg.get_id().to_string(),
    };
    let message = if sub.get_arguments().any(|a| a.get_id() == arg.get_id()) {
        format!("{flag} goes after the command: mfa-env {name} {flag} …")
    } else {
        format!("'mfa-env {name}' takes no {flag}; `mfa-env {name} --help` lists its options")
    };
    Some(command.clone().error(ErrorKind::ArgumentConflict, message))
}

/// The hint for words that are no command, with the spelling that works:
/// `mfa-env -p work aws s3 ls` → `mfa-env -p work -- aws s3 ls`. The stray
/// words take everything after them, `--` included.
fn stray(cli: &Cli, matches: &ArgMatches, args: &[OsString]) -> Option<String> {
    let words: Vec<String> = args
        .iter()
        .map(|a| quote::sh_word(&a.to_string_lossy()))
        .collect();
    let at = match &cli.command {
        None if !cli.stray.is_empty() => matches.index_of("stray")?,
        // A subcommand counts its indices from its own name.
        Some(Command::Exec { stray, .. }) if !stray.is_empty() => {
            let exec = words.iter().position(|w| w == "exec")?;
            exec + matches.subcommand_matches("exec")?.index_of("stray")?
        }
        _ => return None,
    };
    let first = words.get(at)?;
    if let Some(command) = similar_command(first) {
        return Some(format!(
            "'{first}' is not an mfa-env command\n\n  tip: a similar command exists: '{command}' (`mfa-env --help` lists them)"
        ));
    }
    let before = words.get(1..at)?;
    let rest = &words[at..];
    let (between, after) = match rest.iter().position(|w| w == "--") {
        Some(dash) => (&rest[..dash], &rest[dash + 1..]),
        None => (rest, &[][..]),
    };
    if cli.command.is_none() && between.len() == 1 && !after.is_empty() {
        let run = join(&[before, &["-p".into(), first.clone(), "--".into()], after]);
        let exec = join(&[&["exec".into(), first.clone(), "--".into()], after]);
        return Some(format!(
            "'{first}' is not an mfa-env command\n\n  tip: to run a command with the session of profile '{first}': mfa-env {run}\n       or: mfa-env {exec}"
        ));
    }
    let fixed = join(&[before, &["--".into()], between, after]);
    if cli.command.is_none() && before.is_empty() && rest.len() == 1 {
        return Some(format!(
            "'{first}' is not an mfa-env command (`mfa-env --help` lists them)\n\n  tip: for the session of profile '{first}': eval \"$(mfa-env -p {first})\"\n       to run '{first}' with the session: mfa-env -- {first}"
        ));
    }
    let what = match cli.command {
        None => "is not an mfa-env command (`mfa-env --help` lists them)",
        Some(_) => "comes before `--`, so it is no command to run",
    };
    Some(format!(
        "'{first}' {what}\n\n  tip: to run a command with the session: mfa-env {fixed}"
    ))
}

fn join(parts: &[&[String]]) -> String {
    parts.concat().join(" ")
}

/// The command (or alias) `word` looks like a typo of: such a word is no
/// program to run.
fn similar_command(word: &str) -> Option<String> {
    let command = Cli::command();
    let names = command
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set())
        .flat_map(|sub| std::iter::once(sub.get_name()).chain(sub.get_visible_aliases()));
    most_like(word, names, 0.8)
}

/// The name most like `word`, if one is more like it than `threshold` (Jaro
/// similarity, as clap's own suggestions).
fn most_like<'a>(
    word: &str,
    names: impl Iterator<Item = &'a str>,
    threshold: f64,
) -> Option<String> {
    names
        .map(|name| (strsim::jaro(word, name), name))
        .filter(|(score, _)| *score > threshold)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, name)| name.to_string())
}

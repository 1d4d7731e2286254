//! The command-line flags of the settings declared with one (`flag "bind"`): global flags of
//! every subcommand, read as text and parsed by the loader like any other source.

use std::fmt;

use clap::error::ErrorKind;
use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};

use super::SETTINGS;

/// The values given as flags, by setting key (`server.bind`).
#[derive(Clone, Default)]
pub struct SettingFlags(Vec<(&'static str, String)>);

impl SettingFlags {
    /// The raw value of the flag of setting `key`, if given.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for SettingFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secret = |key: &str| SETTINGS.iter().any(|s| s.key == key && s.secret);
        f.debug_map()
            .entries(self.0.iter().map(|(k, v)| {
                let shown = if secret(k) { "<redacted>" } else { v.as_str() };
                (k, shown)
            }))
            .finish()
    }
}

impl FromArgMatches for SettingFlags {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut flags = Self::default();
        flags.update_from_arg_matches(matches)?;
        Ok(flags)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        for setting in SETTINGS.iter().filter(|s| s.flag.is_some()) {
            let value = matches
                .try_get_one::<String>(setting.key)
                .map_err(|e| clap::Error::raw(ErrorKind::InvalidValue, e))?;
            if let Some(value) = value {
                self.0.retain(|(k, _)| *k != setting.key);
                self.0.push((setting.key, value.clone()));
            }
        }
        Ok(())
    }
}

impl Args for SettingFlags {
    fn augment_args(cmd: Command) -> Command {
        SETTINGS.iter().fold(cmd, |cmd, setting| {
            let Some(flag) = setting.flag else {
                return cmd;
            };
            cmd.arg(
                Arg::new(setting.key)
                    .long(flag)
                    .global(true)
                    .action(ArgAction::Set)
                    .value_name(setting.hint)
                    .help(format!(
                        "{} [env: {}]",
                        setting.doc.trim(),
                        setting.env.join(", ")
                    )),
            )
        })
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

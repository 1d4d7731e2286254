//! The `settings!` table: one line per setting declares its section, name (the config-file key
//! `section.name`), type, default, environment variable(s), flag and doc comment. From it come
//! the `Settings` struct and its sections, `SETTINGS` (what the loader, the flags and the
//! documentation test read) and the resolution of every setting from its sources.

use super::load::EnvLookup;

/// What the loader, the command line and the documentation check know of one setting.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// `section.name`: the config-file key (`name` inside the `[section]` table).
    pub key: &'static str,
    /// The TOML table.
    pub section: &'static str,
    /// The key inside the table (and the field of the section struct).
    pub name: &'static str,
    /// Environment variables, the first one preferred when several are set.
    pub env: &'static [&'static str],
    /// The long flag without `--`, if the setting has one.
    pub flag: Option<&'static str>,
    /// The default in the same text form as an environment variable; `None`: unset.
    pub default: Option<&'static str>,
    /// The doc comment of the declaration.
    pub doc: &'static str,
    /// The flat key this setting had in config files before sections, when it was not `name`.
    pub was: Option<&'static str>,
    /// What a value looks like (`DURATION`).
    pub hint: &'static str,
    /// Never show the value.
    pub secret: bool,
    /// A value built from other variables when none of `env` is set (the seed's `POSTGRES_*`).
    pub seed: Option<Seed>,
}

/// Builds a value from other environment variables: the name to report and the value.
pub type Seed = fn(EnvLookup<'_>) -> Option<(&'static str, String)>;

/// Declares every setting; see the invocation in `settings/mod.rs`. Each line reads
///
/// ```text
/// /// Doc comment (the meaning).
/// name: Type = "default" | none, env "VAR" | "ALIAS" [, flag "long-name"] [, was "old_flat_key"]
///     [, check a_check_fn] [, seed a_seed_fn];
/// ```
macro_rules! settings {
    ($(
        $(#[doc = $sdoc:literal])*
        $section:ident : $Section:ident {
            $(
                $(#[doc = $doc:literal])*
                $name:ident : $ty:ty = $default:tt, env $($env:literal)|+
                $(, flag $flag:literal)?
                $(, was $was:literal)?
                $(, check $check:path)?
                $(, seed $seed:path)?
                ;
            )*
        }
    )*) => {
        $(
            $(#[doc = $sdoc])*
            #[derive(Debug, Clone, PartialEq)]
            pub struct $Section {
                $( $(#[doc = $doc])* pub $name: $ty, )*
            }
        )*

        /// Every setting of the server, by section. See docs/configuration.md.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Settings {
            $( $(#[doc = $sdoc])* pub $section: $Section, )*
        }

        /// Every setting, in declaration order.
        pub const SETTINGS: &[$crate::settings::Setting] = &[$($(
            settings!(@meta $section $name $ty, $default, [$($env),+], [$($flag)?], [$($was)?],
                [$($seed)?], [$($doc)*]),
        )*)*];

        impl Settings {
            /// Every setting from `sources`, or every problem found.
            fn resolve(
                sources: &$crate::settings::load::Sources<'_>,
            ) -> Result<Self, Vec<String>> {
                let mut problems: Vec<String> = Vec::new();
                $(
                    let $section = {
                        $(
                            let $name = {
                                const SETTING: $crate::settings::Setting = settings!(@meta
                                    $section $name $ty, $default, [$($env),+], [$($flag)?],
                                    [$($was)?], [$($seed)?], [$($doc)*]);
                                sources.get::<$ty>(&SETTING, settings!(@check $ty, $($check)?))
                            };
                        )*
                        match ($($name,)*) {
                            ($(Ok($name),)*) => Some($Section { $($name),* }),
                            ($($name,)*) => {
                                $( if let Err(p) = $name { problems.push(p); } )*
                                None
                            }
                        }
                    };
                )*
                match ($($section,)*) {
                    ($(Some($section),)*) => Ok(Settings { $($section),* }),
                    _ => Err(problems),
                }
            }
        }
    };

    (@meta $section:ident $name:ident $ty:ty, $default:tt, [$($env:literal),+], [$($flag:literal)?],
        [$($was:literal)?], [$($seed:path)?], [$($doc:literal)*]) => {
        $crate::settings::Setting {
            key: concat!(stringify!($section), ".", stringify!($name)),
            section: stringify!($section),
            name: stringify!($name),
            env: &[$($env),+],
            flag: settings!(@opt $($flag)?),
            default: settings!(@default $default),
            doc: concat!($($doc),*),
            was: settings!(@opt $($was)?),
            hint: <$ty as $crate::settings::Value>::HINT,
            secret: <$ty as $crate::settings::Value>::SECRET,
            seed: settings!(@opt $($seed)?),
        }
    };
    (@check $ty:ty,) => { $crate::settings::load::no_check::<$ty> };
    (@check $ty:ty, $check:path) => { $check };
    (@default none) => { None };
    (@default $default:literal) => { Some($default) };
    (@opt) => { None };
    (@opt $value:expr) => { Some($value) };
}

pub(crate) use settings;

//! Themes: TOML files of semantic roles (title, selected, ok/warn/error...). Built-in
//! themes are compiled in from themes/; a file of the same name in the config directory
//! overrides them role by role. Drawing code asks for roles, never for colours.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::app::rows::Tone;

const BUILT_IN: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[allow(dead_code)]
    name: Option<String>,
    extends: Option<String>,
    #[serde(default)]
    roles: BTreeMap<String, RoleSpec>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct RoleSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underlined: bool,
    #[serde(default)]
    reversed: bool,
    #[serde(default)]
    dim: bool,
}

/// The roles drawing code uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub text: Style,
    pub dim: Style,
    pub title: Style,
    pub border: Style,
    pub border_focus: Style,
    pub header: Style,
    pub selected: Style,
    pub ok: Style,
    pub warn: Style,
    pub error: Style,
    pub info: Style,
    pub key: Style,
    pub accent: Style,
    pub bar_used: Style,
    pub bar_free: Style,
    pub stale: Style,
    pub matched: Style,
    /// Colours that tell log sources (task/container) apart.
    pub sources: [Style; 6],
}

/// How many colours the terminal shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorDepth {
    /// `NO_COLOR`: attributes only (bold, reverse).
    None,
    Ansi256,
    TrueColor,
}

impl ColorDepth {
    /// From the environment: `NO_COLOR` (any non-empty value) wins; `COLORTERM` names
    /// 24-bit terminals; anything else (tmux without Tc, screen, plain xterm) gets 256.
    pub fn detect(no_color: Option<&str>, colorterm: Option<&str>) -> ColorDepth {
        if no_color.is_some_and(|v| !v.is_empty()) {
            return ColorDepth::None;
        }
        match colorterm {
            Some("truecolor" | "24bit") => ColorDepth::TrueColor,
            _ => ColorDepth::Ansi256,
        }
    }
}

impl Theme {
    /// A theme by name: the config directory's `themes/NAME.toml` over the built-in of
    /// that name (or over the theme it `extends`). Unknown names and bad files are errors.
    pub fn load(name: &str, config_dir: Option<&Path>, depth: ColorDepth) -> Result<Theme, String> {
        let user = config_dir
            .map(|d| d.join("themes").join(format!("{name}.toml")))
            .filter(|p| p.is_file());
        let mut roles = BTreeMap::new();
        let built_in = BUILT_IN.iter().find(|(n, _)| *n == name);
        match (&user, built_in) {
            (None, None) => {
                return Err(format!(
                    "unknown theme `{name}`; built in: {}; or put {name}.toml in {}",
                    BUILT_IN
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", "),
                    config_dir
                        .map(|d| d.join("themes").display().to_string())
                        .unwrap_or_else(|| "the config directory's themes/".to_string())
                ));
            }
            (None, Some((_, text))) => merge(&mut roles, parse(text, name)?)?,
            (Some(path), _) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                let file = parse(&text, &path.display().to_string())?;
                let base = file
                    .extends
                    .clone()
                    .or_else(|| built_in.map(|(n, _)| n.to_string()))
                    .unwrap_or_else(|| "dark".to_string());
                let (_, base_text) = BUILT_IN
                    .iter()
                    .find(|(n, _)| *n == base)
                    .ok_or_else(|| format!("{}: extends unknown theme `{base}`", path.display()))?;
                merge(&mut roles, parse(base_text, &base)?)?;
                merge(&mut roles, file)?;
            }
        }
        Theme::from_roles(&roles, depth)
    }

    fn from_roles(roles: &BTreeMap<String, RoleSpec>, depth: ColorDepth) -> Result<Theme, String> {
        let get = |name: &str| -> Result<Style, String> {
            let spec = roles.get(name).cloned().unwrap_or_default();
            style(&spec, depth).map_err(|e| format!("role `{name}`: {e}"))
        };
        let mut theme = Theme {
            text: get("text")?,
            dim: get("dim")?,
            title: get("title")?,
            border: get("border")?,
            border_focus: get("border_focus")?,
            header: get("header")?,
            selected: get("selected")?,
            ok: get("ok")?,
            warn: get("warn")?,
            error: get("error")?,
            info: get("info")?,
            key: get("key")?,
            accent: get("accent")?,
            bar_used: get("bar_used")?,
            bar_free: get("bar_free")?,
            stale: get("stale")?,
            matched: get("match")?,
            sources: [
                get("source1")?,
                get("source2")?,
                get("source3")?,
                get("source4")?,
                get("source5")?,
                get("source6")?,
            ],
        };
        if depth == ColorDepth::None {
            // Without colour, selection and marks must still be visible.
            theme.selected = Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD);
            theme.stale = Style::new().add_modifier(Modifier::REVERSED);
            theme.matched = Style::new().add_modifier(Modifier::UNDERLINED);
            theme.dim = Style::new().add_modifier(Modifier::DIM);
        }
        Ok(theme)
    }

    /// The colour of log source `i`.
    pub fn source(&self, i: u16) -> Style {
        self.sources[usize::from(i) % self.sources.len()]
    }

    /// The style of a tone from the table model.
    pub fn tone(&self, tone: Tone) -> Style {
        match tone {
            Tone::Normal => self.text,
            Tone::Ok => self.ok,
            Tone::Warn => self.warn,
            Tone::Error => self.error,
            Tone::Dim => self.dim,
        }
    }
}

fn parse(text: &str, origin: &str) -> Result<ThemeFile, String> {
    toml::from_str(text).map_err(|e| format!("theme {origin}: {e}"))
}

const KNOWN_ROLES: &[&str] = &[
    "text",
    "dim",
    "title",
    "border",
    "border_focus",
    "header",
    "selected",
    "ok",
    "warn",
    "error",
    "info",
    "key",
    "accent",
    "bar_used",
    "bar_free",
    "stale",
    "match",
    "source1",
    "source2",
    "source3",
    "source4",
    "source5",
    "source6",
];

fn merge(into: &mut BTreeMap<String, RoleSpec>, file: ThemeFile) -> Result<(), String> {
    for (name, spec) in file.roles {
        if !KNOWN_ROLES.contains(&name.as_str()) {
            return Err(format!(
                "unknown role `{name}`; roles are {}",
                KNOWN_ROLES.join(", ")
            ));
        }
        into.insert(name, spec);
    }
    Ok(())
}

fn style(spec: &RoleSpec, depth: ColorDepth) -> Result<Style, String> {
    let mut s = Style::new();
    if depth != ColorDepth::None {
        if let Some(fg) = &spec.fg {
            s = s.fg(color(fg, depth)?);
        }
        if let Some(bg) = &spec.bg {
            s = s.bg(color(bg, depth)?);
        }
    }
    let flags = [
        (spec.bold, Modifier::BOLD),
        (spec.italic, Modifier::ITALIC),
        (spec.underlined, Modifier::UNDERLINED),
        (spec.reversed, Modifier::REVERSED),
        (spec.dim, Modifier::DIM),
    ];
    for (on, m) in flags {
        if on {
            s = s.add_modifier(m);
        }
    }
    Ok(s)
}

fn color(text: &str, depth: ColorDepth) -> Result<Color, String> {
    let c = Color::from_str(text).map_err(|_| format!("`{text}` is not a colour"))?;
    Ok(match (c, depth) {
        (Color::Rgb(r, g, b), ColorDepth::Ansi256) => Color::Indexed(to_ansi256(r, g, b)),
        (c, _) => c,
    })
}

/// The nearest xterm-256 colour: the 6x6x6 cube or the 24-step grey ramp.
fn to_ansi256(r: u8, g: u8, b: u8) -> u8 {
    const STEPS: [u8; 6] = [0, 95, 135, 175, 215, 255];
    let nearest = |v: u8| {
        STEPS
            .iter()
            .enumerate()
            .min_by_key(|(_, s)| (i32::from(**s) - i32::from(v)).abs())
            .map(|(i, _)| i as u8)
            .unwrap_or(0)
    };
    let (ri, gi, bi) = (nearest(r), nearest(g), nearest(b));
    let cube = (STEPS[ri as usize], STEPS[gi as usize], STEPS[bi as usize]);
    let avg = (u16::from(r) + u16::from(g) + u16::from(b)) / 3;
    let grey_i = ((avg.saturating_sub(8)) / 10).min(23) as u8;
    let grey = 8 + 10 * grey_i;
    let dist = |(x, y, z): (u8, u8, u8)| {
        let d = |a: u8, b: u8| (i32::from(a) - i32::from(b)).pow(2);
        d(x, r) + d(y, g) + d(z, b)
    };
    if dist((grey, grey, grey)) < dist(cube) {
        232 + grey_i
    } else {
        16 + 36 * ri + 6 * gi + bi
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_themes_load_at_every_depth() {
        for (name, _) in BUILT_IN {
            for depth in [ColorDepth::None, ColorDepth::Ansi256, ColorDepth::TrueColor] {
                Theme::load(name, None, depth).unwrap();
            }
        }
    }

    #[test]
    fn no_color_has_no_colours_but_visible_selection() {
        let t = Theme::load("dark", None, ColorDepth::None).unwrap();
        for s in [t.text, t.error, t.title, t.selected] {
            assert_eq!(s.fg, None);
            assert_eq!(s.bg, None);
        }
        assert!(t.selected.add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn ansi256_has_no_rgb() {
        let t = Theme::load("light", None, ColorDepth::Ansi256).unwrap();
        assert!(!matches!(t.text.fg, Some(Color::Rgb(..))));
        assert_eq!(to_ansi256(255, 0, 0), 196);
        assert_eq!(to_ansi256(0, 0, 0), 16);
        assert_eq!(to_ansi256(128, 128, 128), 244);
    }

    #[test]
    fn user_file_overrides_role_by_role() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("themes")).unwrap();
        std::fs::write(
            dir.path().join("themes/mine.toml"),
            "extends = \"light\"\n[roles]\nerror = { fg = \"#ff0000\" }\n",
        )
        .unwrap();
        let t = Theme::load("mine", Some(dir.path()), ColorDepth::TrueColor).unwrap();
        let light = Theme::load("light", None, ColorDepth::TrueColor).unwrap();
        assert_eq!(t.error.fg, Some(Color::Rgb(255, 0, 0)));
        assert_eq!(t.text, light.text);
    }

    #[test]
    fn bad_themes_are_clear_errors() {
        let e = Theme::load("nope", None, ColorDepth::TrueColor).unwrap_err();
        assert!(e.contains("unknown theme `nope`"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("themes")).unwrap();
        std::fs::write(dir.path().join("themes/x.toml"), "[roles]\ntitel = {}\n").unwrap();
        let e = Theme::load("x", Some(dir.path()), ColorDepth::TrueColor).unwrap_err();
        assert!(e.contains("unknown role `titel`"), "{e}");
        std::fs::write(
            dir.path().join("themes/y.toml"),
            "[roles]\ntext = { fg = \"#zz\" }\n",
        )
        .unwrap();
        let e = Theme::load("y", Some(dir.path()), ColorDepth::TrueColor).unwrap_err();
        assert!(e.contains("not a colour"), "{e}");
    }

    #[test]
    fn no_color_detection() {
        assert_eq!(
            ColorDepth::detect(Some("1"), Some("truecolor")),
            ColorDepth::None
        );
        assert_eq!(
            ColorDepth::detect(Some(""), Some("truecolor")),
            ColorDepth::TrueColor
        );
        assert_eq!(ColorDepth::detect(None, None), ColorDepth::Ansi256);
    }
}

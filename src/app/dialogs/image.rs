//! A new image for a service (`i`): the dialog (container, image, force), its keys, and
//! its submit, which registers a revision with only that image changed and rolls it out.

use crossterm::event::KeyEvent;

use super::{Dialog, Purpose};
use crate::app::form::{After, Field, Form, FormKey};
use crate::app::keymap::{Command, place};
use crate::app::{App, Effect};
use crate::domain::model::arn_name;
use crate::ops::plan::NEW_REVISION;
use crate::ops::{Mutation, diff, taskdef};

impl App {
    pub(in crate::app) fn open_image(&mut self) {
        if self.refuse_read_only("deploying") {
            return;
        }
        let Some((cluster, s)) = self.selected_service() else {
            return;
        };
        let containers: Vec<(String, String)> = self
            .store
            .task_def_doc(&s.task_definition)
            .map(|d| taskdef::containers(&d.json))
            .unwrap_or_default();
        let mut form = Form::new(
            format!("New image for {}", s.name),
            Purpose::Image {
                cluster,
                service: s.name.clone(),
                task_definition: s.task_definition.clone(),
            },
        )
        .info(format!("running {}", arn_name(&s.task_definition)));
        if containers.is_empty() {
            form.info.push("loading the task definition…".into());
        }
        let submit = self.keymap.key_for(Command::Submit, place::FORM);
        form.fields = image_fields(&containers, submit);
        self.open_dialog(Dialog::Form(form));
    }

    /// Keys in the image dialog: choosing another container puts its image in the field.
    pub(super) fn image_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let chooses = matches!(
            self.form_command(&key),
            Some(Command::NextChoice | Command::PrevChoice)
        );
        if self.form_key(key, App::submit_image) == FormKey::Stay && chooses {
            self.sync_image_field();
        }
        Vec::new()
    }

    /// The image field follows the chosen container.
    fn sync_image_field(&mut self) {
        let Some(Dialog::Form(form)) = self.dialog() else {
            return;
        };
        let Purpose::Image {
            task_definition, ..
        } = &form.purpose
        else {
            return;
        };
        let container = form.value("container");
        let image = self
            .store
            .task_def_doc(task_definition)
            .map(|d| taskdef::containers(&d.json))
            .unwrap_or_default()
            .into_iter()
            .find(|c| c.0 == container)
            .map(|c| c.1);
        if let (Some(image), Some(Dialog::Form(form))) = (image, self.dialog_mut())
            && let Some(f) = form.fields.iter_mut().find(|f| f.label == "image")
        {
            *f = Field::text_at_end("image", &image, check_image)
                .with_help(f.help.clone().unwrap_or_default());
        }
    }

    /// Enter in the image dialog: the revision with the new image, registered and rolled
    /// out, to confirm with its diff.
    fn submit_image(&mut self, form: &Form<Purpose>) -> Result<(), String> {
        let Purpose::Image {
            cluster,
            service,
            task_definition,
        } = &form.purpose
        else {
            return Err("not an image form".into());
        };
        let doc = self
            .store
            .task_def_doc(task_definition)
            .cloned()
            .ok_or("the running task definition has not loaded yet")?;
        let container = form.value("container");
        let image = form.value("image").trim().to_string();
        let json = taskdef::with_image(&doc.json, &container, &image)?;
        if json == doc.json && !form.is_on("force new deployment") {
            return Err(format!("{container} already runs {image}"));
        }
        let mut confirm = self.confirmation(
            format!("Deploy a new image to {service}"),
            vec![
                Mutation::RegisterTaskDefinition {
                    family: doc.family.clone(),
                    based_on: Some(doc.arn.clone()),
                    json: json.clone(),
                },
                Mutation::Deploy {
                    cluster: cluster.clone(),
                    service: service.clone(),
                    from: task_definition.clone(),
                    to: NEW_REVISION.into(),
                    force: form.is_on("force new deployment"),
                },
            ],
            Vec::new(),
            After::FollowRollout {
                cluster: cluster.clone(),
                service: service.clone(),
                previous: task_definition.clone(),
            },
        );
        confirm.changes.extend(diff::summary(&doc.json, &json));
        confirm.diff = diff::unified(&taskdef::pretty(&doc.json), &taskdef::pretty(&json), 3);
        self.close_dialog();
        self.open_dialog(Dialog::Confirm(confirm));
        Ok(())
    }
}

/// The image dialog's fields: the container (its image follows the choice), the image,
/// and whether to force a new deployment. `submit` is the key that submits the form.
pub(in crate::app) fn image_fields(containers: &[(String, String)], submit: &str) -> Vec<Field> {
    let first_image = containers.first().map(|c| c.1.clone()).unwrap_or_default();
    vec![
        Field::choice(
            "container",
            containers.iter().map(|c| c.0.clone()).collect(),
            0,
        ),
        Field::text_at_end("image", &first_image, check_image).with_help(format!(
            "Backspace over the tag and type the new one; {submit} registers a revision with only this image changed and rolls it out"
        )),
        Field::toggle("force new deployment", false),
    ]
}

fn check_image(text: &str) -> Result<(), String> {
    taskdef::check_image(text.trim())
}

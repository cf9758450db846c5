//! What the create screens say: one short explanation per screen and the key lines, kept here
//! (not in the drawing code) so they can be read and changed in one place.

/// The first screen's choice.
pub const FIRST_CHOICE_TITLE: &str = "Where is your droplet?";
pub const HAVE_ONE: &str = "I have a droplet: type its address and root password";
pub const CREATE_ONE: &str = "Create one for me (with a DigitalOcean token)";

pub const TOKEN: &str = "droplift creates the droplet through DigitalOcean's API. It needs an \
    access token with write access: in the web page, API → Tokens → Generate New Token. The \
    token is used for this only: it is never saved or shown.";
pub const TOKEN_FROM_ENV: &str = "DIGITALOCEAN_ACCESS_TOKEN is set: droplift uses that token \
    (as doctl does). Type another one here to use it instead.";
pub const IMAGE: &str = "The image is the system your droplet runs. The course is written for \
    Ubuntu LTS; these are the ones it supports.";
pub const REGION: &str = "Pick the region nearest to the people who will use your API (the \
    list starts with the ones nearest to this computer's time zone).";
pub const SIZE: &str = "The size is what you pay for each month. The course runs well on the \
    smallest size with 1 GB of memory (chosen for you).";
pub const BACKUPS: &str = "DigitalOcean can keep a weekly backup of the whole droplet, for 20 % \
    of its price. A beginner's safety net: recommended.";
pub const KEY: &str = "Instead of an e-mailed password, the droplet gets your SSH key for root: \
    you log in with the key, and no password needs changing.";
pub const NAME: &str = "The droplet's name is also its host name: letters, digits, - and . only.";
pub const SUMMARY: &str = "Nothing is sent yet. Enter creates this droplet with your SSH key \
    for root.";
pub const CREATING: &str = "DigitalOcean is creating your droplet. When it is active droplift \
    logs in as root with your key and carries on with stage 1.";

pub const LIST_KEYS: &str = "↑/↓ choose · Enter: next · Esc: back";
pub const FIELD_KEYS: &str = "Enter: next · Esc: back";
pub const SUMMARY_KEYS: &str = "Enter: create it · Esc: back";

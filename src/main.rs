use std::process::ExitCode;
use std::sync::Arc;

use baygrants::clock::SystemClock;
use baygrants::config::Config;
use baygrants::domain::role::Role;
use baygrants::{AppState, Application, db, seed, services};
use clap::{Parser, Subcommand};

/// mimalloc instead of the system allocator: a page allocates and frees
/// thousands of small strings and rows, and glibc's malloc and free were
/// an eighth of the server's time in the profile (issue 18).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "baygrants",
    about = "Grant management for Greater Bay Area venture philanthropy",
    version
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve the web application (the default).
    Serve {
        /// Create the demo users first (as `seed --demo`).
        #[arg(long)]
        demo: bool,
    },
    /// Create the database if needed and run the migrations.
    Migrate,
    /// Run only the outbox worker that delivers email.
    Worker,
    /// Fill the database with data.
    Seed {
        /// One verified user per role, passwords printed once.
        #[arg(long)]
        demo: bool,
        /// A synthetic Bay Area for benchmarks, into an empty database.
        #[arg(long, value_enum, conflicts_with = "demo")]
        scale: Option<seed::scale::Scale>,
        /// The random seed of `--scale` (the same seed gives the same data).
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// With `--scale`: if the database was already seeded, only print
        /// its accounts.
        #[arg(long)]
        reuse: bool,
    },
    /// Print the current code of a second-factor key (the demo and
    /// benchmark accounts' keys are printed when they are seeded).
    Totp {
        /// The key, in base32 as an authenticator app takes it.
        #[arg(long)]
        secret: String,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Give a registered user a role.
    Grant {
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = ["admin", "finance"])]
        role: String,
    },
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    if std::env::var("LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    init_tracing();
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match run(
        cli.command.unwrap_or(Command::Serve { demo: false }),
        config,
    )
    .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("baygrants: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    let clock = Arc::new(SystemClock);
    match command {
        Command::Migrate => {
            db::ensure_database(&config.database_url).await?;
            db::run_migrations(&config.database_url).await?;
            println!("database is migrated");
        }
        Command::Worker => {
            let state = AppState::connect(config, clock).await?;
            tokio::spawn(baygrants::jobs::run(state.clone()));
            state.worker()?.run().await;
        }
        Command::Seed {
            demo,
            scale,
            seed,
            reuse,
        } => {
            let state = AppState::connect(config, clock).await?;
            match scale {
                Some(scale) => seed_scale(&state, scale, seed, reuse).await?,
                None if demo => print_demo_users(&state).await?,
                None => anyhow::bail!(
                    "say what to seed: `baygrants seed --demo` or `baygrants seed --scale small|large`"
                ),
            }
        }
        Command::User {
            command: UserCommand::Grant { email, role },
        } => {
            let role =
                Role::from_code(&role).ok_or_else(|| anyhow::anyhow!("unknown role {role}"))?;
            let state = AppState::connect(config, clock).await?;
            match services::roles::grant_by_email(&state, &email, role).await {
                Ok(true) => println!("{email} is now {}", role.code()),
                Ok(false) => println!("{email} already was {}", role.code()),
                Err(baygrants::error::AppError::NotFound) => {
                    anyhow::bail!("no user has the email {email}")
                }
                Err(e) => return Err(e.into()),
            }
        }
        Command::Totp { secret } => {
            use baygrants::{clock::Clock, domain::totp};
            let secret = totp::Secret::from_base32(&secret)
                .ok_or_else(|| anyhow::anyhow!("that is not a 160-bit key in base32"))?;
            println!("{}", totp::code_at(&secret, clock.now()));
        }
        Command::Serve { demo } => {
            let workers = std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2);
            let app = Application::build(config, clock, workers).await?;
            if demo {
                print_demo_users(&app.state).await?;
            }
            tracing::info!(url = %app.state.config.base_url, "serving");
            app.run_until_stopped().await?;
        }
    }
    Ok(())
}

async fn print_demo_users(state: &AppState) -> anyhow::Result<()> {
    let users = seed::demo::seed(state).await?;
    println!("Demo users (log in at {}login):", state.config.base_url);
    for u in users {
        let roles: Vec<&str> = u.roles.iter().map(|r| r.code()).collect();
        let roles = if roles.is_empty() {
            "applicant".to_string()
        } else {
            roles.join(", ")
        };
        match u.password {
            Some(p) => {
                println!("  {:<32} {:<10} password: {p}", u.email, roles);
                if let Some(key) = u.totp_secret {
                    println!(
                        "  {:<43} second factor: key {key} (an authenticator app, or `baygrants totp --secret {key}`)",
                        ""
                    );
                }
            }
            None => println!(
                "  {:<32} {:<10} (exists; password was printed when it was created)",
                u.email, roles
            ),
        }
    }
    Ok(())
}

async fn seed_scale(
    state: &AppState,
    scale: seed::scale::Scale,
    seed: u64,
    reuse: bool,
) -> anyhow::Result<()> {
    use seed::scale;
    let mut conn = state.pool.get().await?;
    let accounts = match scale::seeded(&mut conn).await? {
        true if reuse => {
            println!("already seeded; reusing");
            scale::accounts(&mut conn, scale.sizes().largest_call_id()).await?
        }
        _ => {
            drop(conn);
            scale::seed(state, scale, seed).await?
        }
    };
    // Machine-readable lines for the benchmark script.
    println!("password={}", scale::PASSWORD);
    println!("admin={}", accounts.admin);
    println!("finance1={}", accounts.finance[0]);
    println!("finance2={}", accounts.finance[1]);
    println!("applicant={}", accounts.applicant);
    println!("reviewer={}", accounts.reviewer);
    println!("largest_call={}", accounts.largest_call);
    println!("fund={}", accounts.fund);
    println!("award={}", accounts.award);
    println!("batch={}", accounts.batch);
    println!("totp_secret={}", scale::totp_secret().base32());
    Ok(())
}

//! Data made up for people and for measurement: `demo` gives a new reader
//! one user per role and a call in every state; `scale` fills a Bay Area
//! of thousands of organizations and applications for the benchmarks and
//! the scale tests, the same for the same seed.

pub mod demo;
pub mod scale;

fn main() {
    std::process::exit(vitals::cli::main());
}

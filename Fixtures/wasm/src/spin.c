/* spin: loops forever (a volatile counter keeps the loop alive); never exits.
 * Used to test fuel/CPU limits. */
int main(void) {
    volatile unsigned long long counter = 0;
    for (;;)
        counter++;
}
